# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models

OPEN_LISTING_STATES = ("listed", "reserved")


class EventRegistration(models.Model):
    """A ticket on the resale exchange: the listings of its holder, and for a ticket issued
    by a resale, the listing it came from."""

    _inherit = "event.registration"

    soticket_resale_listing_ids = fields.One2many(
        "soticket.resale.listing", "registration_id", "Resale listings", readonly=True)
    soticket_resale_origin_id = fields.Many2one(
        "soticket.resale.listing", "Issued by resale", readonly=True, copy=False, index="btree_not_null",
        help="The resale listing this ticket was issued for: it replaces the seller's ticket, whose code is revoked.")
    soticket_resale_open_listing_id = fields.Many2one(
        "soticket.resale.listing", "On resale", compute="_compute_soticket_resale_open_listing_id")

    @api.depends("soticket_resale_listing_ids.state")
    def _compute_soticket_resale_open_listing_id(self):
        for reg in self:
            reg.soticket_resale_open_listing_id = reg.soticket_resale_listing_ids.filtered(
                lambda lst: lst.state in OPEN_LISTING_STATES)[:1]

    @api.depends("soticket_resale_origin_id")
    def _compute_sale_channel(self):
        resold = self.filtered("soticket_resale_origin_id")
        resold.sale_channel = "resale"
        super(EventRegistration, self - resold)._compute_sale_channel()

    def _eticket_order_reference(self):
        if self.soticket_resale_origin_id and not self.sale_order_id:
            return self.soticket_resale_origin_id.name
        return super()._eticket_order_reference()

    def _soticket_resale_url(self):
        """The holder's signed resale page (no account needed), bound to the code version like the e-ticket link."""
        self.ensure_one()
        return f"/soticket/resale/{self.id}/{self._ticket_access_token()}"

    def _soticket_resale_refusal(self, now=None):
        """Why this ticket cannot be put up for resale now (translated), or ``""``."""
        self.ensure_one()
        _ = self.env._
        reg = self.sudo()
        if reg.soticket_resale_open_listing_id:
            return _("This ticket is already on resale.")
        if reg.ticket_state != "valid":
            state = reg._ticket_state_label()
            if reg.ticket_state == "admitted":
                return _("This ticket was already used to enter: it cannot be resold.")
            return _("Only a valid ticket can be resold: this ticket is %(state)s.", state=state.lower())
        if reg.event_ticket_id.category_kind == "invitation" or reg.currency_id.is_zero(reg.price_paid):
            return _("Invitations and free tickets cannot be resold.")
        return reg.event_id._soticket_resale_closed_reason(now=now)

    def _soticket_resale_page_values(self):
        """What the holder's resale page shows about this ticket."""
        self.ensure_one()
        reg = self.sudo().with_context(active_test=False)
        listing = reg.soticket_resale_open_listing_id or reg.soticket_resale_listing_ids.sorted("id", reverse=True)[:1]
        refusal = "" if reg.soticket_resale_open_listing_id else reg._soticket_resale_refusal()
        if listing.state == "sold":
            refusal = ""
        company = reg.company_id or reg.event_id.company_id or self.env.company
        preview = {} if refusal or listing.state in ("listed", "reserved", "sold") else self.env[
            "soticket.resale.listing"]._soticket_amounts(reg, company)
        return {
            "registration": reg,
            "event": reg.event_id,
            "listing": listing,
            "refusal": refusal,
            "preview": preview,
            "currency": reg.currency_id or company.currency_id,
            "seller_refund": listing.refund_ids.filtered(lambda r: r.kind == "seller_payout")[:1],
        }

    def action_view_soticket_resale(self):
        self.ensure_one()
        listing = self.soticket_resale_origin_id or self.soticket_resale_listing_ids[:1]
        return {
            "type": "ir.actions.act_window",
            "res_model": "soticket.resale.listing",
            "views": [(False, "form")],
            "res_id": listing.id,
        }
