# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo import models


class SoticketCodeRevocation(models.Model):
    """A ticket code that no longer admits anyone. Offline scanners download these
    (with the states of cancelled tickets) to refuse codes whose signature is still valid."""

    _name = "soticket.code.revocation"
    _description = "Revoked ticket code"
    _order = "id desc"

    registration_id = fields.Many2one("event.registration", "Ticket", ondelete="cascade", index=True, required=True)
    event_id = fields.Many2one("event.event", "Event", required=True, ondelete="cascade", index=True)
    code = fields.Char("Revoked code", required=True, index=True)
    code_version = fields.Integer("Code version", required=True)
    barcode = fields.Char(
        "Revoked barcode", index="btree_not_null",
        help="The ticket's stock barcode of that code version (Registration Desk): revoked with the code.")
    reason = fields.Selection(
        [("reissued", "Reissued"), ("category_changed", "Category or event changed"), ("resold", "Resold"),
         ("refunded", "Refunded")],
        required=True)
    revoked_at = fields.Datetime("Revoked on", default=fields.Datetime.now, required=True, readonly=True)
    revoked_by = fields.Many2one("res.users", "Revoked by", default=lambda self: self.env.user, readonly=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "A code is revoked once."),
    ]
