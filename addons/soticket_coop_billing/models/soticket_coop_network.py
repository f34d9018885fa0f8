# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import ValidationError


class SoticketCoopNetwork(models.Model):
    """A network of venues (Fédélima, SMA, RIF…) whose members get their own fee terms."""

    _name = "soticket.coop.network"
    _description = "Venue network"
    _order = "name"

    name = fields.Char(required=True, translate=False)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    fee_rate = fields.Float(
        "Fee rate (%)", digits=(6, 3), required=True,
        default=lambda self: self.env.company.soticket_coop_fee_rate)
    fee_min = fields.Monetary(
        "Minimum fee", currency_field="currency_id", required=True,
        default=lambda self: self.env.company.soticket_coop_fee_min)
    fee_max = fields.Monetary(
        "Maximum fee", currency_field="currency_id", required=True,
        default=lambda self: self.env.company.soticket_coop_fee_max)
    contract_ids = fields.Many2many(
        "soticket.coop.contract", "soticket_coop_contract_network_rel", "network_id", "contract_id", "Contracts")
    contract_count = fields.Integer(compute="_compute_contract_count")

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "A network name is used once per cooperative."),
    ]

    @api.depends("contract_ids")
    def _compute_contract_count(self):
        for network in self:
            network.contract_count = len(network.contract_ids)

    @api.constrains("fee_rate", "fee_min", "fee_max")
    def _check_network_fee_terms(self):
        self._check_fee_terms(self, "fee_rate", "fee_min", "fee_max")

    @api.model
    def _check_fee_terms(self, records, rate_field, min_field, max_field):
        """Shared by the cooperative defaults, networks and contract overrides."""
        for record in records:
            rate, minimum, maximum = record[rate_field], record[min_field], record[max_field]
            if rate < 0 or rate > 100:
                raise ValidationError(self.env._(
                    "The fee rate must be between 0 and 100 %% (%(name)s: %(rate)s).",
                    name=record.display_name, rate=rate))
            if minimum < 0 or maximum < 0:
                raise ValidationError(self.env._(
                    "Minimum and maximum fees cannot be negative (%(name)s).", name=record.display_name))
            if minimum > maximum:
                raise ValidationError(self.env._(
                    "The minimum fee cannot exceed the maximum fee (%(name)s: %(min)s > %(max)s).",
                    name=record.display_name, min=minimum, max=maximum))
