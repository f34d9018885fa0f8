# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models

VAT_RATES = [
    ("5.5", "5.5 % (concerts and variety shows)"),
    ("2.1", "2.1 % (first 140 performances of a new show)"),
    ("20", "20 % (drinks customarily served during the show)"),
]


class EventEvent(models.Model):
    _inherit = "event.event"

    soticket_fr_vat_rate = fields.Selection(
        VAT_RATES, "Ticket VAT", default="5.5", required=True,
        help="French VAT on this event's tickets (CGI art. 278-0 bis and 281 quater, BOI-TVA-LIQ-30-20-40): "
             "5.5 % for concerts, 2.1 % for the first 140 performances of a new show, 20 % where drinks "
             "are customarily served during the show. Prices stay the prices shown, tax included.")
    soticket_fr_sibil_domain = fields.Char(
        "SIBIL domain", help="The show's domain, as labelled in SIBIL's list (e.g. « Musiques actuelles »).")
    soticket_fr_festival = fields.Char("Festival", help="The festival this performance belongs to, if any (SIBIL).")
    soticket_fr_young_audience = fields.Boolean("Young audience", help="Declared as « jeune public » to SIBIL.")
    soticket_fr_receipt_ids = fields.One2many("soticket.fr.receipt", "event_id", "Receipt records")
    soticket_fr_receipt_count = fields.Integer("Receipt record count", compute="_compute_soticket_fr_receipt_count")

    @api.depends("soticket_fr_receipt_ids")
    def _compute_soticket_fr_receipt_count(self):
        for event in self:
            event.soticket_fr_receipt_count = len(event.soticket_fr_receipt_ids)

    def action_soticket_fr_issue_receipt(self):
        """On demand: the receipt record of these performances (or an amendment if it changed)."""
        self.check_access("write")
        self.env["soticket.fr.receipt"].sudo()._issue(self)
        self.env["soticket.fr.cnm.declaration"].sudo()._sync_for_events(self)
        return self.action_soticket_fr_view_receipts()

    def action_soticket_fr_view_receipts(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("soticket_l10n_fr.action_soticket_fr_receipt")
        action["domain"] = [("event_id", "in", self.ids)]
        return action
