# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo import models


class ResPartner(models.Model):
    """Opt-in to the venue's news, with the proof the GDPR asks for: when and where it was given."""

    _inherit = "res.partner"

    soticket_news_consent = fields.Boolean(
        "Receives the venue's news", copy=False, readonly=True,
        help="The contact ticked \"I want to receive the venue's news\" themselves. Never set by default.")
    soticket_news_consent_date = fields.Datetime("News consent given on", copy=False, readonly=True)
    soticket_news_consent_source = fields.Selection(
        [("website_checkout", "Website checkout")], "News consent source", copy=False, readonly=True)

    def _soticket_record_news_consent(self, source):
        """Record that these contacts asked for the venue's news through ``source``.
        The first consent is kept as the proof; asking again changes nothing."""
        self.filtered(lambda p: not p.soticket_news_consent).sudo().write({
            "soticket_news_consent": True,
            "soticket_news_consent_date": fields.Datetime.now(),
            "soticket_news_consent_source": source,
        })
