# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import models
from odoo.exceptions import AccessError
from odoo.exceptions import UserError

RESENDABLE_STATES = ("valid", "admitted")
# What the ticket was sold for, its refund and its fiscal number: set by the sale, refund and
# numbering flows only (see tools/server_fields.py), never typed in.
SERVER_FIELDS = frozenset({"price_paid", "price_paid_untaxed", "refunded", "refunded_at", "ticket_number", "sold_at"})


class EventRegistration(models.Model):
    """What the venue staff does on tickets from the back office."""

    _name = "event.registration"
    _inherit = ["event.registration", "soticket.server.fields.mixin"]
    _soticket_server_fields = SERVER_FIELDS

    def _soticket_check_ticket_staff(self):
        """Reissuing and resending are back-office actions: door staff (Registration Desk) may
        write tickets to mark attendance, not change or send their codes."""
        if not self.env.su and not self.env.user.has_group("event.group_event_user"):
            raise AccessError(self.env._("Only event officers can reissue or resend tickets."))

    def action_reissue_code(self):
        self._soticket_check_ticket_staff()
        return super().action_reissue_code()

    def _ticket_state_label(self):
        self.ensure_one()
        return dict(self._fields["ticket_state"]._description_selection(self.env)).get(self.ticket_state, "")

    def action_resend_ticket_email(self):
        """E-mail the ticket confirmation, with the e-ticket attached, to each holder again now.

        Checks every ticket before sending anything: one refused ticket sends no e-mail at all.
        """
        self._soticket_check_ticket_staff()
        self.check_access("write")
        if not self:
            return True
        for reg in self:
            if reg.ticket_state not in RESENDABLE_STATES:
                raise UserError(self.env._(
                    "Only valid or admitted tickets can be e-mailed: %(ticket)s is %(state)s. Nothing was sent.",
                    ticket=reg.display_name, state=reg._ticket_state_label()))
            if not (reg.email or reg.partner_id.email):
                raise UserError(self.env._(
                    "%(ticket)s has no e-mail address: add the holder's e-mail first. Nothing was sent.",
                    ticket=reg.display_name))
        template = self.env.ref("event.event_subscription")
        for reg in self:
            # Posted on the ticket's chatter, so the staff sees when and to whom it was sent.
            reg.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
        return True
