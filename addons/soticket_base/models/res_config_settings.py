# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo import models

from .soticket_seat_hold import CART_HOLD_DEFAULT_MINUTES
from .soticket_seat_hold import CART_HOLD_PARAM
from .soticket_seat_hold import PAYMENT_EXTENSION_DEFAULT_MINUTES
from .soticket_seat_hold import PAYMENT_EXTENSION_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    soticket_cart_hold_minutes = fields.Integer(
        "Seats held in a cart (minutes)", config_parameter=CART_HOLD_PARAM, default=CART_HOLD_DEFAULT_MINUTES,
        help="How long a ticket put in a website cart keeps its seat for the buyer.")
    soticket_cart_hold_payment_extension_minutes = fields.Integer(
        "Extension while paying (minutes)", config_parameter=PAYMENT_EXTENSION_PARAM,
        default=PAYMENT_EXTENSION_DEFAULT_MINUTES,
        help="At most this much longer while the cart's payment is pending or authorised.")
