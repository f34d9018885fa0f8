# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The messages a door box shows when it decides a scan alone (``iot_box/decide.py``).

The box has no gettext: the manifest carries these templates, translated here, and the
box fills their named placeholders (``%(category)s``, ``%(gate)s``, ``%(time)s``) from
its manifest. Keys are the box's reasons (plus ``exit_reentry`` and ``box_error``).
"""

from odoo import models


class SoticketAdmission(models.AbstractModel):
    _inherit = "soticket.admission"

    def _offline_messages_lang(self, device):
        """The scanner's own language (the one its online answers use, so that door staff
        read the same language online and offline), else the venue's: the company partner's
        language, which is the door staff's more surely than the request's Accept-Language."""
        device = device[:1].sudo()
        return device.lang or device.company_id.partner_id.lang or self.env.company.partner_id.lang or self.env.lang

    def _offline_messages(self, device):
        """{reason: translated template} for the scans a box decides offline."""
        _ = self.with_context(lang=self._offline_messages_lang(device)).env._
        return {
            "garbled": _("Unreadable code: this is not a ticket of ours. Scan it again."),
            "forged": _("Forged code: its signature is wrong. Refuse it and call a manager."),
            "other_venue": _("This ticket was issued by another venue."),
            "unknown_ticket": _("Unknown ticket: it is not in this venue's records."),
            "refunded": _("Refunded ticket: its code was revoked. Refuse it."),
            "cancelled": _("Cancelled ticket: refuse it."),
            "withdrawn": _("Withdrawn ticket (resold or replaced): refuse it."),
            "reissued": _("Old code: this ticket was reissued. Ask the holder for the latest e-ticket."),
            "wrong_event": _("Ticket for another event."),
            "unpaid": _("Unpaid ticket: send the holder to the box office."),
            "exit_not_inside": _("Exit recorded (this ticket was not recorded inside)."),
            "exit": _("Exit recorded: no re-entry for this event."),
            "exit_reentry": _("Exit recorded: re-entry allowed with this ticket."),
            "category_not_allowed": _("%(category)s tickets do not enter through %(gate)s."),
            "not_open_yet": _("Too early: admission opens at %(time)s."),
            "closed": _("The event is over: admission closed at %(time)s."),
            "already_in": _("Already inside."),
            "no_reentry": _("Already admitted, and this event allows no re-entry."),
            "reentry": _("Welcome back! Re-entry."),
            "admitted": _("Welcome! %(category)s"),
            "not_in_manifest": _("Welcome! %(category)s (ticket sold after the last update of this box)"),
            "unknown_offline": _("Ticket unknown to this box, which is offline: refuse it, or send the holder to a "
                                 "connected gate."),
            "box_error": _("Box error: scan again."),
        }
