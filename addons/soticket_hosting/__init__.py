# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import db_cache


def post_load():
    """Run when Odoo imports the module: as a server-wide module (``server_wide_modules =
    base,web,soticket_hosting`` in odoo.conf, the production set-up) before any request, or when a
    database that has it installed is loaded."""
    db_cache.install()
