# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError

FEE_PAYERS = [("buyer", "Buyer"), ("seller", "Seller"), ("split", "Split half and half")]


class ResCompany(models.Model):
    """The venue's resale service fee: a fixed amount and/or a percentage of the face value,
    with an optional cap, charged to the buyer, the seller or half each."""

    _inherit = "res.company"

    soticket_resale_fee_fixed = fields.Monetary(
        "Resale fee: fixed part", currency_field="currency_id", default=0.0,
        help="Charged on every resold ticket, taxes included.")
    soticket_resale_fee_percent = fields.Float(
        "Resale fee: percentage", default=5.0, digits=(5, 2),
        help="Percentage of the face value charged on every resold ticket.")
    soticket_resale_fee_cap = fields.Monetary(
        "Resale fee: cap", currency_field="currency_id", default=0.0,
        help="The fee never goes above this amount (0: no cap).")
    soticket_resale_fee_payer = fields.Selection(
        FEE_PAYERS, "Resale fee paid by", default="seller", required=True,
        help="Seller: the buyer pays exactly the face value and the seller gets the face value minus the fee. "
             "Buyer: the buyer pays the face value plus the fee and the seller gets the face value back. "
             "Split: each pays half.")
    soticket_resale_hold_minutes = fields.Integer(
        "Resale cart hold (minutes)", default=15,
        help="How long a resale ticket put in a cart is kept for that buyer before others can take it.")
    soticket_resale_max_per_cart = fields.Integer(
        "Resale tickets held per cart", default=4,
        help="How many resale tickets one cart may hold at a time. A cart holds a resale ticket once, for the hold "
             "time: the hold is not renewed.")

    @api.constrains("soticket_resale_fee_fixed", "soticket_resale_fee_percent", "soticket_resale_fee_cap",
                    "soticket_resale_hold_minutes", "soticket_resale_max_per_cart")
    def _check_soticket_resale_fee(self):
        for company in self:
            if company.soticket_resale_fee_fixed < 0 or company.soticket_resale_fee_cap < 0:
                raise ValidationError(self.env._("The resale fee amounts cannot be negative."))
            if not 0 <= company.soticket_resale_fee_percent <= 100:
                raise ValidationError(self.env._("The resale fee percentage must be between 0 and 100."))
            if company.soticket_resale_hold_minutes < 1:
                raise ValidationError(self.env._("A resale ticket is held in a cart for at least one minute."))
            if company.soticket_resale_max_per_cart < 1:
                raise ValidationError(self.env._("A cart may hold at least one resale ticket."))

    def _soticket_resale_fees(self, face_value):
        """The service fee of reselling a ticket of ``face_value`` (in the company currency).

        :return: dict ``total``, ``buyer``, ``seller`` (rounded; the seller's part never exceeds
            the face value, so the seller is never asked to pay)
        """
        self.ensure_one()
        currency = self.currency_id
        total = (self.soticket_resale_fee_fixed or 0.0) + face_value * (self.soticket_resale_fee_percent or 0.0) / 100
        if self.soticket_resale_fee_cap:
            total = min(total, self.soticket_resale_fee_cap)
        total = currency.round(max(total, 0.0))
        if self.soticket_resale_fee_payer == "buyer":
            buyer, seller = total, 0.0
        elif self.soticket_resale_fee_payer == "seller":
            buyer, seller = 0.0, total
        else:
            buyer = currency.round(total / 2)
            seller = currency.round(total - buyer)
        seller = min(seller, face_value)
        return {"total": currency.round(buyer + seller), "buyer": buyer, "seller": seller}
