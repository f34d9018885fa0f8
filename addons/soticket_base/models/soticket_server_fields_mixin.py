# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import models

from ..tools.server_fields import check_server_fields


class SoticketServerFieldsMixin(models.AbstractModel):
    """Fields only SoTicket's own flows may write (money, status, fiscal numbering).

    A model lists them in ``_soticket_server_fields``; a create or write that sets one of them
    outside superuser mode is refused as a whole (see ``tools/server_fields.py``)."""

    _name = "soticket.server.fields.mixin"
    _description = "SoTicket: fields written by SoTicket's flows only"
    _soticket_server_fields = frozenset()

    @api.model_create_multi
    def create(self, vals_list):
        check_server_fields(self, vals_list, self._soticket_server_fields)
        return super().create(vals_list)

    def write(self, vals):
        check_server_fields(self, vals, self._soticket_server_fields)
        return super().write(vals)
