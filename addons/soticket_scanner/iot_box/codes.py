# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The venue's ticket code module (``soticket_base/tools/ticket_code.py``), loaded from its file.

The box verifies codes with exactly the code the server uses, without Odoo: the file is
pure Python and is imported by path (it lives in the sibling addon of this repository).
``SOTICKET_TICKET_CODE`` may name another copy of the file.
"""

import importlib.util
import os
import sys
from pathlib import Path

MODULE_NAME = "soticket_ticket_code"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "soticket_base" / "tools" / "ticket_code.py"


def load(path=None):
    if MODULE_NAME in sys.modules:
        return sys.modules[MODULE_NAME]
    path = Path(path or os.environ.get("SOTICKET_TICKET_CODE") or DEFAULT_PATH)
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    if spec is None or not path.is_file():
        raise ImportError(f"ticket_code.py not found at {path}: install the whole repository on the box "
                          "or set SOTICKET_TICKET_CODE")
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module  # dataclasses look their module up while the file executes
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[MODULE_NAME]
        raise
    return module


ticket_code = load()
