# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import re

from odoo.addons.soticket_scanner.iot_box import decide
from odoo.tests import HttpCase
from odoo.tests import tagged

from .common import SoticketScannerCase

API = "/soticket/scanner/v1"
# What iot_box/decide.py fills the templates with.
BOX_PLACEHOLDERS = {"category", "gate", "time"}


@tagged("post_install", "-at_install")
class TestScannerMessages(SoticketScannerCase, HttpCase):
    """A door box deciding offline shows the venue's language: the manifest carries its messages."""

    def _manifest_messages(self, token):
        self.env.flush_all()
        response = self.url_open(f"{API}/manifest?event_id={self.tonight.id}",
                                 headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.json()["messages"]

    def _french_venue(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search([("name", "=", "soticket_scanner")])._update_translations(["fr_FR"])
        self.env.company.partner_id.lang = "fr_FR"

    def test_manifest_carries_a_message_for_everything_the_box_decides(self):
        messages = self._manifest_messages(self.token_a)
        self.assertLessEqual(set(decide.MESSAGES), set(messages), "a template for every reason of the box")
        for key, template in messages.items():
            self.assertLessEqual(set(re.findall(r"%\((\w+)\)s", template)), BOX_PLACEHOLDERS, key)
        self.assertEqual(messages["admitted"], "Welcome! %(category)s")
        self.assertEqual(decide.message(messages, "category_not_allowed", {"category": "Plein tarif",
                                                                           "gate": "Guest list"}),
                         "Plein tarif tickets do not enter through Guest list.")

    def test_french_venue_gets_french_messages(self):
        english = self._manifest_messages(self.token_a)
        self._french_venue()
        self.box_a.lang = False  # no language of its own: the venue's
        french = self._manifest_messages(self.token_a)
        self.assertEqual(set(french), set(english))
        untranslated = sorted(key for key in english if french[key] == english[key])
        self.assertFalse(untranslated, "every offline message is translated in i18n/fr.po")
        self.assertEqual(french["admitted"], "Bienvenue ! %(category)s")
        self.assertEqual(decide.message(french, "admitted", {"category": "Plein tarif"}), "Bienvenue ! Plein tarif")
        self.assertEqual(decide.message(french, "not_open_yet", {"time": "20:30"}),
                         "Trop tôt : l'accueil ouvre à 20:30.")
        self.assertIn("réémis", french["reissued"])

    def test_the_scanners_own_language_wins(self):
        """A scanner set to English shows English offline too, as its online answers are."""
        self._french_venue()
        self.box_a.lang = "en_US"
        self.box_b.lang = "fr_FR"
        self.assertEqual(self._manifest_messages(self.token_a)["cancelled"], "Cancelled ticket: refuse it.")
        self.assertEqual(self._manifest_messages(self.token_b)["cancelled"], "Billet annulé : refusez-le.")
