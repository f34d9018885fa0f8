# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase
from odoo.tests import tagged

from ..tools import ticket_code


@tagged("post_install", "-at_install")
class TestSigningKey(TransactionCase):
    def test_database_has_one_stable_key_pair(self):
        signer = self.env["soticket.signing.key"]
        public = signer.public_key()
        self.assertEqual(len(public), 32)
        # Asking again never rotates the key: codes already sold must stay valid.
        signer._ensure_key()
        self.assertEqual(signer.public_key(), public)

    def test_code_signed_here_verifies_with_public_key_only(self):
        signer = self.env["soticket.signing.key"]
        code = ticket_code.encode(signer._private_key(), 42, 7, 3, 1)
        result = ticket_code.verify(code, signer.public_key())
        self.assertEqual(result.status, "valid")
        self.assertEqual((result.payload.ticket_id, result.payload.event_id), (42, 7))

    def test_private_key_is_not_readable_by_venue_staff(self):
        staff = self.env["res.users"].create({
            "name": "Box office", "login": "boxoffice@example.com",
            "groups_id": [(6, 0, [self.env.ref("event.group_event_manager").id])],
        })
        params = self.env["ir.config_parameter"].with_user(staff)
        with self.assertRaises(AccessError):
            params.search([("key", "like", "soticket_base.ticket_signing")]).read(["value"])
