# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import base64
import io
import logging

from PIL import Image

from odoo import api
from odoo import fields
from odoo import models
from odoo.addons.soticket_base.tools import eticket_pdf
from odoo.exceptions import ValidationError

from .soticket_guest_list import INVITATION_REASONS

_logger = logging.getLogger(__name__)

# The QR code on the receipt: 5 printer dots per module and the ISO quiet zone (a version 8 code
# of 49 modules is then 285 dots wide, about 36 mm on a 203 dpi receipt printer).
RECEIPT_QR_MODULE_PX = 5
RECEIPT_QR_QUIET_ZONE = 4


class EventRegistration(models.Model):
    _inherit = "event.registration"

    pos_session_id = fields.Many2one(
        "pos.session", "Box office session", related="pos_order_line_id.order_id.session_id", store=True,
        index="btree_not_null")
    guest_list_id = fields.Many2one("soticket.guest.list", "Guest list entry", ondelete="restrict",
                                    index="btree_not_null", copy=False)
    invitation_reason = fields.Selection(INVITATION_REASONS, "Invitation reason", copy=False)

    # ------------------------------------------------------------------ soticket_base hooks
    @api.depends("pos_order_line_id")
    def _compute_sale_channel(self):
        box_office = self.filtered("pos_order_line_id")
        for reg in box_office:
            reg.sale_channel = "box_office"
        super(EventRegistration, self - box_office)._compute_sale_channel()

    @api.depends("pos_order_line_id.price_subtotal_incl", "pos_order_line_id.price_subtotal", "pos_order_line_id.qty")
    def _compute_price_paid(self):
        box_office = self.filtered(lambda r: r.pos_order_line_id and not r.sale_order_line_id)
        for reg in box_office:
            line = reg.pos_order_line_id
            reg.price_paid = line.price_subtotal_incl / line.qty if line.qty else 0.0
            reg.price_paid_untaxed = line.price_subtotal / line.qty if line.qty else 0.0
        super(EventRegistration, self - box_office)._compute_price_paid()

    def _eticket_order_reference(self):
        if self.pos_order_id:
            return self.pos_order_id.name
        return super()._eticket_order_reference()

    def write(self, vals):
        if (self.env.context.get("soticket_pos_sync") and vals.get("state") == "cancel"
                and not vals.get("refunded")):
            # Stock pos_event cancels the tickets of a refunded line on any synchronisation of
            # the refund order, paid or not: the box office refunds them itself once the refund
            # is paid (pos.order._process_order), cancelled as refunded with their codes revoked.
            vals = {key: value for key, value in vals.items() if key != "state"}
            if not vals:
                return True
        return super().write(vals)

    # ------------------------------------------------------------------ checks
    @api.constrains("guest_list_id", "event_id", "event_ticket_id", "invitation_reason", "pos_order_line_id")
    def _check_box_office_invitation(self):
        for reg in self:
            if reg.guest_list_id and reg.guest_list_id.event_id != reg.event_id:
                raise ValidationError(self.env._(
                    'Guest list: "%(guest)s" is on the list of "%(list_event)s", not "%(event)s". '
                    "Nothing was recorded.",
                    guest=reg.guest_list_id.name, list_event=reg.guest_list_id.event_id.name,
                    event=reg.event_id.name))
            invitation = reg.event_ticket_id.category_kind == "invitation"
            if reg.pos_order_line_id and invitation and not reg.invitation_reason and reg.state != "cancel":
                raise ValidationError(self.env._(
                    'The invitation "%(ticket)s" needs a reason (press, artist, partner…): issue it with the '
                    "Invitation or Guest list button. Nothing was recorded.",
                    ticket=reg.event_ticket_id.name))
            if reg.guest_list_id and not invitation:
                raise ValidationError(self.env._(
                    'Guest list: "%(guest)s" gets invitation tickets, not "%(ticket)s". Nothing was recorded.',
                    guest=reg.guest_list_id.name, ticket=reg.event_ticket_id.name))

    # ------------------------------------------------------------------ point of sale
    @api.model
    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + ["guest_list_id", "invitation_reason"]

    def _admit_on_sale(self):
        """Admit tickets sold at a register set to "Admit on sale" (the buyer walks in at once).

        With soticket_scanner installed the admission goes through its exactly-once
        ``soticket.admission.admit`` at an entry gate of the event (a later scan of the code
        answers "already inside"; a refusal, e.g. before the doors open, leaves the ticket
        valid). Without the scanner, or without an entry gate, the ticket is marked attended
        (stock event state "done"). Returns {registration id: result}."""
        to_admit = self.filtered(lambda r: r.state == "open" and r.active)
        results = {}
        admission = self.env["soticket.admission"].sudo() if "soticket.admission" in self.env else None
        if admission is not None and not hasattr(admission, "admit"):
            admission = None
        for reg in to_admit:
            gate = None
            if admission is not None and "soticket_gate_ids" in reg.event_id._fields:
                gate = reg.event_id.sudo().soticket_gate_ids.filtered(
                    lambda g, r=reg: g.active and g._allows_direction("in")
                    and g._allows_category(r.event_ticket_id))[:1]
            if gate:
                outcome = admission.admit(
                    reg.sudo().ticket_code, gate, "in", f"box-office-sale-{reg.id}-{reg.ticket_code_version}",
                    user=self.env.user)
                results[reg.id] = outcome["result"]
                if outcome["result"] != "admitted":
                    _logger.info("Admit on sale: ticket %s not admitted (%s)", reg.id, outcome["reason"])
            else:
                reg.sudo().write({"state": "done", "date_closed": fields.Datetime.now()})
                results[reg.id] = "admitted"
        return results

    def _soticket_receipt_ticket(self):
        """The ticket as the point of sale prints it on the receipt: the mentions of the e-ticket
        (soticket_base), already translated and formatted, plus the QR code as a PNG data URL."""
        self.ensure_one()
        data = self._eticket_data()
        invitation = self.event_ticket_id.category_kind == "invitation"
        reasons = dict(self._fields["invitation_reason"]._description_selection(self.env))
        return {
            "id": self.id,
            "pos_order_id": self.pos_order_id.id,
            "state": self.ticket_state,
            "venue_name": data.venue_name,
            "venue_address": data.venue_address,
            "order_number": data.order_number,
            "ticket_number": data.ticket_number,
            "event_name": data.event_name,
            "event_date": data.event_date,
            "doors_open": data.doors_open,
            "category_name": data.category_name,
            "price_text": data.price_text,
            "invitation_reason": reasons.get(self.invitation_reason, "") if self.invitation_reason else "",
            "holder_name": data.holder_name if invitation or self.guest_list_id else "",
            "code": data.code,
            "code_text": " ".join(data.code[i:i + 5] for i in range(0, len(data.code), 5)),
            "qr": self._soticket_receipt_qr(data.code),
            "labels": {
                "order": data.labels.order,
                "ticket": data.labels.ticket,
                "category": data.labels.category,
                "price_paid": data.labels.price_paid,
                "doors_open": data.labels.doors_open,
                "holder": data.labels.holder,
                "instructions": data.labels.instructions,
                "footer": data.labels.footer,
                "reason": self.env._("Reason"),
            },
        }

    @api.model
    def _soticket_receipt_qr(self, code):
        """The same QR symbol as the e-ticket (error correction M, alphanumeric), as a 1-bit PNG
        drawn at whole printer dots per module so the thermal print stays sharp."""
        matrix = eticket_pdf.qr_matrix(code)
        size = len(matrix) + 2 * RECEIPT_QR_QUIET_ZONE
        image = Image.new("1", (size, size), 1)
        pixels = image.load()
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    pixels[x + RECEIPT_QR_QUIET_ZONE, y + RECEIPT_QR_QUIET_ZONE] = 0
        image = image.resize((size * RECEIPT_QR_MODULE_PX, size * RECEIPT_QR_MODULE_PX), Image.NEAREST)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
