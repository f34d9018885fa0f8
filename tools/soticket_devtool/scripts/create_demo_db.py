# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Create a database as Odoo's database manager does for a French venue. Run with the venv's Python.

French language, company in France (so accounting installs the French chart of accounts, in euros),
demo data, admin / admin. argv: --config=<odoo config>, database name.
"""
import sys

import odoo


def main(argv):
    odoo.tools.config.parse_config(argv[1:2])
    odoo.service.db.exp_create_database(argv[2], True, "fr_FR", "admin", "admin", "FR")


if __name__ == "__main__":
    main(sys.argv)
