# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Finding Odoo 18.0: ODOO_SRC, else the per-user cache, else a git clone the user names
(ODOO_GIT_DIR at ODOO_GIT_REF, default 18.0) extracted into the cache, else the official archive."""
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from .common import CACHE
from .common import DevError
from .common import say

ODOO_CACHE = CACHE / "odoo-18.0"
ODOO_ARCHIVE_URL = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
# A git clone of Odoo 18.0 Community that the user names, and the ref taken from it.
ODOO_GIT_DIR = os.environ.get("ODOO_GIT_DIR", "")
ODOO_GIT_REF = os.environ.get("ODOO_GIT_REF", "18.0")


def is_odoo_18(path):
    release = Path(path) / "odoo" / "release.py"
    if not (Path(path) / "odoo-bin").is_file() or not release.is_file():
        return False
    return bool(re.search(r"version_info = \(18, 0,", release.read_text()))


def find_odoo():
    explicit = os.environ.get("ODOO_SRC")
    if explicit:
        if not is_odoo_18(explicit):
            raise DevError(
                f"ODOO_SRC={explicit} is not an Odoo 18.0 source tree (no odoo-bin / odoo/release.py for 18.0).\n"
                "Point ODOO_SRC at an Odoo 18.0 Community checkout, or unset it to use "
                f"{ODOO_CACHE} (downloaded automatically when missing)."
            )
        return Path(explicit).resolve()
    if is_odoo_18(ODOO_CACHE):
        return ODOO_CACHE
    if _extract_from_git_clone() and is_odoo_18(ODOO_CACHE):
        return ODOO_CACHE
    say(f"Odoo 18.0 not found; downloading {ODOO_ARCHIVE_URL} into {ODOO_CACHE}")
    try:
        _download_odoo()
    except OSError as exc:
        raise DevError(
            f"Could not download Odoo 18.0 ({exc}).\nProvide it yourself: set ODOO_SRC to an Odoo 18.0 source tree, "
            f"or extract one into {ODOO_CACHE}."
        ) from exc
    if not is_odoo_18(ODOO_CACHE):
        raise DevError(f"The downloaded archive did not give an Odoo 18.0 tree in {ODOO_CACHE}.")
    return ODOO_CACHE


def _extract_from_git_clone():
    if not ODOO_GIT_DIR:
        return False
    git_dir = Path(ODOO_GIT_DIR)
    if not (git_dir / "HEAD").is_file() and (git_dir / ".git").exists():
        git_dir = git_dir / ".git"
    if not (git_dir / "HEAD").is_file():
        say(f"ODOO_GIT_DIR={git_dir} is not a git repository; ignored")
        return False
    say(f"Extracting Odoo 18.0 ({ODOO_GIT_REF}) from the git clone {git_dir} into {ODOO_CACHE}")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        archive = subprocess.run(
            ["git", f"--git-dir={git_dir}", "archive", "--format=tar", ODOO_GIT_REF],
            capture_output=True, check=False,
        )
        if archive.returncode:
            say(f"git archive failed: {archive.stderr.decode(errors='replace').strip()}")
            return False
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        Path(tmp).rename(ODOO_CACHE)
        # TemporaryDirectory's cleanup must not fail on the renamed folder.
        Path(tmp).mkdir()
    return True


def _download_odoo():
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        archive = Path(tmp) / "odoo.tar.gz"
        with urllib.request.urlopen(ODOO_ARCHIVE_URL, timeout=60) as resp, open(archive, "wb") as out:
            shutil.copyfileobj(resp, out)
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "x", filter="data")
        (top,) = (Path(tmp) / "x").iterdir()
        top.rename(ODOO_CACHE)
