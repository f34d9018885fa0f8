# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging

from odoo import SUPERUSER_ID
from odoo import api
from odoo import models

from .event_registration import NUMBER_LOCK_SPACE

_logger = logging.getLogger(__name__)


class EventRegistration(models.Model):
    _inherit = "event.registration"

    def _update_mail_schedulers(self):
        """With Odoo's synchronous ticket e-mail (``event.event_mail_async`` off), stock runs the
        "after subscription" schedulers inside the confirmation: every sale of an event updates the
        same scheduler row, so concurrent confirmations end in serialization failures, which the
        stock code swallows and leaves the transaction aborted. SoTicket sends those e-mails just
        after the sale commits, in their own transaction (the scheduler cron catches up if that
        fails): the sale stays exact whatever the e-mail does."""
        if self.env.context.get("install_mode") or self.env["ir.config_parameter"].sudo().get_param(
                "event.event_mail_async"):
            return super()._update_mail_schedulers()
        open_registrations = self.filtered(lambda registration: registration.state == "open")
        if not open_registrations:
            return None
        event_ids = open_registrations.event_id.ids
        company_ids = sorted(set(open_registrations.company_id.ids))
        registration_ids = open_registrations.ids
        registry = self.env.registry
        self.env.ref("event.event_mail_scheduler")._trigger()

        def send():
            try:
                with registry.cursor() as cr:
                    cr.transaction = api.Transaction(registry)
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    # The e-tickets need their numbers: take the numbering lock first, as the numbering
                    # does, so that both wait in the same order instead of deadlocking.
                    for company_id in company_ids:
                        cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK_SPACE, company_id])
                    schedulers = env["event.mail"].search(
                        [("event_id", "in", event_ids), ("interval_type", "=", "after_sub")])
                    for scheduler in schedulers:
                        scheduler.with_context(event_mail_registration_ids=registration_ids).execute()
            except Exception:
                _logger.warning("Ticket e-mails of registrations %s left to the scheduler cron", registration_ids,
                                exc_info=True)

        self.env.cr.postcommit.add(send)
        return None
