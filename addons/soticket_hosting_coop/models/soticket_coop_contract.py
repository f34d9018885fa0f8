# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import re
from urllib.parse import urlsplit

from odoo import fields
from odoo import models
from odoo.exceptions import UserError

HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SoticketCoopContract(models.Model):
    _inherit = "soticket.coop.contract"

    hosting_state = fields.Selection(
        [("none", "Not requested"), ("requested", "Requested"), ("done", "Created"), ("failed", "Failed")],
        "Hosting", default="none", required=True, readonly=True, copy=False, tracking=True,
        help="Requested from this contract; created by the hosting tool (provision-requested) on the servers.")
    hosting_hostname = fields.Char("Venue host name", readonly=True, copy=False)
    hosting_admin_email = fields.Char("Venue administrator e-mail",
                                      help="Invited by e-mail to the new venue database as its administrator.")
    hosting_message = fields.Char("Hosting report", readonly=True, copy=False)

    def action_request_venue_database(self):
        """Ask the hosting tool for this venue's database (it runs on the servers, not in Odoo)."""
        self.check_access("write")
        _ = self.env._
        for contract in self:
            if contract.hosting_state in ("requested", "done"):
                raise UserError(_("The venue database of %(contract)s is already requested or created.",
                                  contract=contract.display_name))
            url = urlsplit((contract.venue_url or "").strip())
            hostname = (url.hostname or "").lower()
            if url.scheme != "https" or not HOSTNAME_RE.match(hostname):
                raise UserError(_("Set the venue URL to its https address, e.g. https://billetterie.lasirene.fr "
                                  "(%(contract)s).", contract=contract.display_name))
            email = (contract.hosting_admin_email or "").strip()
            if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                raise UserError(_("Give the e-mail address of the venue's administrator (%(contract)s).",
                                  contract=contract.display_name))
            if not contract.partner_id.vat:
                raise UserError(_("Set the VAT number of %(venue)s first.", venue=contract.partner_id.display_name))
            label = (hostname[4:] if hostname.startswith("www.") else hostname).partition(".")[0]
            contract.write({"hosting_state": "requested", "hosting_hostname": hostname, "venue_db": label,
                            "hosting_admin_email": email, "hosting_message": False})
        return True
