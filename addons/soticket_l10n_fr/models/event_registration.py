# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import SUPERUSER_ID
from odoo import api
from odoo import models
from odoo.addons.soticket_base.models.event_registration import NUMBER_LOCK_SPACE

REVOCATION_KINDS = {"reissued": "reissue", "category_changed": "exchange"}


class EventRegistration(models.Model):
    """Every operation on a numbered ticket is traced in ``soticket.fr.operation``."""

    _inherit = "event.registration"

    @api.model
    def _number_tickets(self, cr, company_ids):
        pending = {}
        for company_id in sorted(company_ids):
            # The lock super() takes as well (re-entrant): nobody numbers between this read and super().
            cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK_SPACE, company_id])
            cr.execute("SELECT id FROM event_registration WHERE company_id = %s AND ticket_number IS NULL "
                       "AND state IN ('open', 'done')", [company_id])
            pending[company_id] = [row[0] for row in cr.fetchall()]
        super()._number_tickets(cr, company_ids)
        for company_id, ids in pending.items():
            self.env["soticket.fr.operation"]._append(cr, company_id, ids, "sale", uid=SUPERUSER_ID)

    def _ensure_ticket_number(self):
        missing = self.filtered(lambda r: r.state in ("open", "done") and not r.ticket_number)
        super()._ensure_ticket_number()
        self.env["soticket.fr.operation"]._trace(missing, "sale")

    def write(self, vals):
        refund = cancel = self.browse()
        if vals.get("refunded"):
            refund = self.filtered(lambda r: r.ticket_number and not r.refunded)
        elif vals.get("state") == "cancel":
            cancel = self.filtered(lambda r: r.ticket_number and r.state != "cancel")
        res = super().write(vals)
        if refund:
            # The resale takes the seller's ticket back (archived, refunded); a refund cancels it.
            self.env["soticket.fr.operation"]._trace(refund, "resold" if vals.get("active") is False else "refund")
        if cancel:
            self.env["soticket.fr.operation"]._trace(cancel, "cancellation")
        return res

    def _record_revocation(self, reason, old_codes=None):
        res = super()._record_revocation(reason, old_codes)
        if reason in REVOCATION_KINDS:
            self.env["soticket.fr.operation"]._trace(self, REVOCATION_KINDS[reason])
        return res
