# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo.addons.soticket_coop_billing.tests.common import CoopBillingCase
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import new_test_user
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestHostingRequest(CoopBillingCase):
    def _member(self, **vals):
        partner = self._venue("La Sirène SCIC", vat="FR40303265045")
        defaults = {"venue_url": "https://billetterie.lasirene.fr", "hosting_admin_email": "direction@lasirene.fr"}
        return self._contract(partner=partner, **{**defaults, **vals})

    def test_request_records_hostname_and_database(self):
        contract = self._member()
        contract.action_request_venue_database()
        self.assertRecordValues(contract, [{"hosting_state": "requested", "hosting_hostname": "billetterie.lasirene.fr",
                                            "venue_db": "billetterie"}])
        with self.assertRaises(UserError):
            contract.action_request_venue_database()

    def test_bad_url_email_or_missing_vat_are_refused_with_nothing_written(self):
        # (plain http and local hosts pass the contract only with its local-network switch on; the
        # request for a venue database refuses them whatever the switch)
        for vals in ({"venue_url": "http://billetterie.lasirene.fr", "venue_allow_insecure": True},
                     {"venue_url": "https://localhost", "venue_allow_insecure": True},
                     {"hosting_admin_email": "not-an-address"}):
            contract = self._member(**vals)
            with self.assertRaises(UserError):
                contract.action_request_venue_database()
            self.assertEqual(contract.hosting_state, "none")
        contract = self._member()
        contract.partner_id.vat = False
        with self.assertRaises(UserError):
            contract.action_request_venue_database()

    def test_only_contract_managers_request(self):
        contract = self._member()
        clerk = new_test_user(self.env, "clerk", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            contract.with_user(clerk).action_request_venue_database()
        self.assertEqual(contract.hosting_state, "none")
