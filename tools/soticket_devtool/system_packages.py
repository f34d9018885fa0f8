# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The Debian packages of `tools/system-packages.txt`: which are missing, and installing them as root."""
import importlib.util
import os
import shutil
import subprocess
import sysconfig
from collections import namedtuple
from pathlib import Path

from .common import REPO
from .common import DevError
from .common import say

PACKAGES_FILE = REPO / "tools" / "system-packages.txt"
Package = namedtuple("Package", "name stages required checks")


def parse(text):
    """The packages listed in system-packages.txt (comments and blank lines ignored)."""
    packages = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 4 or fields[2] not in ("required", "wanted"):
            raise DevError(f"{PACKAGES_FILE.name}, line {number}: expected `package for need found-by`: {line}")
        name, stages, need, checks = fields
        packages.append(Package(name, tuple(stages.split(",")), need == "required", tuple(checks.split("|"))))
    return packages


def is_present(check):
    if check.startswith("python:"):
        return importlib.util.find_spec(check.removeprefix("python:")) is not None
    if check.startswith("include:"):
        return (Path(sysconfig.get_paths()["include"]) / check.removeprefix("include:")).exists()
    if check.startswith("/"):
        return Path(check).exists()
    return shutil.which(check) is not None


def missing(stage, packages=None):
    packages = parse(PACKAGES_FILE.read_text()) if packages is None else packages
    return [p for p in packages if stage in p.stages and not any(is_present(c) for c in p.checks)]


def ensure(stage):
    """Install (as root, with apt-get) the packages `stage` needs that are missing."""
    absent = missing(stage)
    if not absent:
        return
    names = [p.name for p in absent]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"Installing Debian packages: {' '.join(names)}…")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *names], check=False, env=env)
        absent = missing(stage)
    required = [p.name for p in absent if p.required]
    wanted = [p.name for p in absent if not p.required]
    if wanted:
        say(f"WARNING: missing system package(s) {' '.join(wanted)} (see tools/system-packages.txt)")
    if required:
        raise DevError(f"Missing system package(s), required here: apt-get install {' '.join(required)}")
