# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _soticket_forget_buyer_data(self, erasure):
        """GDPR erasure (soticket_base): the door scans of the buyer's tickets lose any mention of
        the holder (their name or the label the scanners show, "Camille M."); result, gate, time
        and ticket are kept as the admission record."""
        res = super()._soticket_forget_buyer_data(erasure)
        registrations = erasure.registrations
        labels = {label for label in (reg._soticket_holder_label() for reg in registrations) if label}
        erasure.add_names(*(label for label in labels if " " in label))  # a lone first name is too common
        logs = erasure.env["soticket.scan.log"].search([("registration_id", "in", registrations.ids)])
        for log in logs.filtered(lambda log: erasure.mentions(log.message, labels)):
            log.write({"message": erasure.redact(log.message, labels)})
        return res
