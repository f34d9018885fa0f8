# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo import models


class ResCompany(models.Model):
    _inherit = "res.company"

    soticket_fr_sibil_url = fields.Char(
        "SIBIL API base URL", groups="base.group_system",
        help="Given to declarants by the Ministry of Culture (e.g. https://…); the client calls <base>/api/v2/….")
    soticket_fr_sibil_login = fields.Char("SIBIL login", groups="base.group_system")
    soticket_fr_sibil_password = fields.Char("SIBIL password", groups="base.group_system")
    soticket_fr_licence = fields.Char(
        "Show licence number", help="Licence d'entrepreneur de spectacles (L-R-…), printed on declarations.")
    soticket_fr_siret = fields.Char("Venue SIRET", size=14)
    soticket_fr_venue_type = fields.Char(
        "SIBIL venue type", help="The venue type code of SIBIL's list of places (typeLieu).")
