# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Export each addon's terms to a .pot file. Run with the venv's Python.

argv: --config=<odoo config>, database (the addons installed), then addon=path pairs.
"""
import sys

import odoo
from odoo.tools.translate import trans_export


def main(argv):
    odoo.tools.config.parse_config(argv[1:2])
    registry = odoo.modules.registry.Registry(argv[2])
    with registry.cursor() as cr:
        for pair in argv[3:]:
            addon, path = pair.split("=", 1)
            with open(path, "wb") as out:
                trans_export(False, [addon], out, "po", cr)


if __name__ == "__main__":
    main(sys.argv)
