# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import models
from odoo.exceptions import UserError

RESENDABLE_STATES = ("valid", "admitted")


class EventRegistration(models.Model):
    """What the venue staff does on tickets from the back office."""

    _inherit = "event.registration"

    def _ticket_state_label(self):
        self.ensure_one()
        return dict(self._fields["ticket_state"]._description_selection(self.env)).get(self.ticket_state, "")

    def action_resend_ticket_email(self):
        """E-mail the ticket confirmation, with the e-ticket attached, to each holder again now.

        Checks every ticket before sending anything: one refused ticket sends no e-mail at all.
        """
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
