# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase
from odoo.tests import tagged
from odoo.tools.translate import TranslationModuleReader


@tagged("post_install", "-at_install")
class TestFrenchTranslations(TransactionCase):
    """Our users are French: every term of every SoTicket addon has a French translation."""

    def test_every_term_is_translated_in_fr_po(self):
        modules = self.env["ir.module.module"].search([("name", "=like", "soticket_%"), ("state", "=", "installed")])
        self.assertTrue(modules)
        for module in modules:
            terms = {row[4] for row in TranslationModuleReader(self.env.cr, modules=[module.name])}
            po = polib.pofile(f"{get_module_path(module.name)}/i18n/fr.po")
            translated = {entry.msgid for entry in po.translated_entries()}
            missing = sorted(terms - translated)
            self.assertFalse(missing, f"{module.name}: terms without a French translation in i18n/fr.po "
                                      f"(run `make i18n`, then translate): {missing[:20]}")
            # Odoo loads fr.po merged into the addon's .pot (PoFileReader): a term missing from the
            # .pot is dropped at load time, so its translation never reaches a user.
            pot = polib.pofile(f"{get_module_path(module.name)}/i18n/{module.name}.pot")
            not_in_pot = sorted(terms - {entry.msgid for entry in pot})
            self.assertFalse(not_in_pot, f"{module.name}: terms missing from i18n/{module.name}.pot, so their "
                                         f"French translation is never loaded (run `make i18n`): {not_in_pot[:20]}")

    def test_sold_out_message_reaches_a_french_user_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search([("name", "=", "soticket_base")])._update_translations(["fr_FR"])
        french = self.env(context={"lang": "fr_FR"})
        self.assertNotEqual(french._("Sold out. There are not enough seats available for:"),
                            "Sold out. There are not enough seats available for:")
