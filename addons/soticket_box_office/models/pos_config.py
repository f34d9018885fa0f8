# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models


class PosConfig(models.Model):
    _inherit = "pos.config"

    soticket_admit_on_sale = fields.Boolean(
        "Admit on sale",
        help="Tickets sold at this register are admitted at once (the buyer walks in): a later scan of the same "
             "code answers \"already admitted\". Uses the door scanner's admission when SoTicket Scanner is "
             "installed.")
    soticket_allotment_ids = fields.One2many(
        "soticket.pos.allotment", "config_id", "Offline allotments",
        help="Seats set aside for each session of this register when it opens, so that it can keep selling "
             "during a network cut. Without an allotment the register sells only while online.")

    def _update_events_seats(self, events):
        # Stock pos_event pushes the seats left to every open register at each registration
        # change; each register also gets the seats left *for it* (other registers' allotments
        # deducted) and its own allotment left, computed once per transaction, before commit.
        super()._update_events_seats(events)
        pending = self.env.cr.precommit.data.setdefault("soticket_box_office.seats", {})
        if not pending:
            self.env.cr.precommit.add(self._soticket_push_seats)
        for config in self:
            pending.setdefault(config.id, set()).update(events.ids)

    def _soticket_push_seats(self):
        pending = self.env.cr.precommit.data.pop("soticket_box_office.seats", {})
        Event = self.env["event.event"].sudo()
        for config in self.sudo().browse(pending):
            session = config.current_session_id
            if session and session.state == "opened":
                config._notify("SOTICKET_BOX_OFFICE_SEATS",
                               session._soticket_box_office_seats(Event.browse(pending[config.id]).exists()))

    @api.model
    def _soticket_load_demo_register(self, name, cash_journal_name):
        """Demo data: the venue's door register, paid in cash or by card. Skipped without a
        bank journal (the chart of accounts may come after the demo data of a new database)."""
        if self.env.ref("soticket_box_office.demo_pos_config", raise_if_not_found=False):
            return
        if not self.env["account.journal"].search_count(
                [("type", "=", "bank"), ("company_id", "in", self.env.company.parent_ids.ids)], limit=1):
            return
        journal, payment_method_ids = self._create_journal_and_payment_methods(
            cash_journal_vals={"name": cash_journal_name, "show_on_dashboard": False})
        config = self.create({
            "name": name,
            "company_id": self.env.company.id,
            "journal_id": journal.id,
            "payment_method_ids": payment_method_ids,
        })
        self.env["ir.model.data"]._update_xmlids([{
            "xml_id": "soticket_box_office.demo_pos_config", "record": config, "noupdate": True}])
