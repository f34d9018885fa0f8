# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from markupsafe import Markup

from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..tools import ticket_code
from .common import SoticketCase

FISCAL_FIELDS = ("ticket_number", "price_paid", "price_paid_untaxed", "sold_at", "event_id", "event_ticket_id",
                 "sale_order_id", "ticket_code", "ticket_state", "sale_channel")


@tagged("post_install", "-at_install")
class TestGdprForgetBuyer(SoticketCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env["res.users"].create({
            "name": "Morgane Régie", "login": "gdpr-manager",
            "groups_id": [(6, 0, [cls.env.ref("base.group_user").id, cls.env.ref("event.group_event_manager").id])],
        })
        cls.event_user = cls.env["res.users"].create({
            "name": "Paul Accueil", "login": "gdpr-event-user",
            "groups_id": [(6, 0, [cls.env.ref("base.group_user").id, cls.env.ref("event.group_event_user").id])],
        })
        cls.buyer.write({
            "phone": "+33 6 12 34 56 78", "mobile": "+33 7 00 00 00 01", "street": "12 rue des Lilas",
            "city": "La Rochelle", "zip": "17000", "website": "https://camille.example.com",
            "comment": "<p>Prefers seats near the exit</p>", "vat": "FR23334175221",
            "image_1920": "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=",
        })
        cls.delivery = cls.env["res.partner"].create({
            "name": "Camille Martin (bureau)", "parent_id": cls.buyer.id, "type": "delivery",
            "street": "3 quai Valin", "email": "camille.bureau@example.com",
        })
        cls.question = cls.env["event.question"].create({
            "title": "Allergies", "question_type": "text_box", "event_id": cls.concert.id,
        })
        cls.concert.registration_properties_definition = [{"name": "diet", "string": "Diet", "type": "char"}]

    def _sell(self, ticket, qty, partner=None):
        order = self._sale_order(ticket, qty, partner=partner)
        order.action_confirm()
        registrations = order.order_line.registration_ids
        registrations._ensure_ticket_number()
        return order, registrations

    def _personal_data_left(self, *needles):
        """Rows still holding one of the needles in the tables where personal data ends up."""
        self.env.flush_all()
        found = {}
        for table, columns in {
            "res_partner": ("name", "complete_name", "email", "phone", "mobile", "street", "city", "vat", "website",
                            "comment::text"),
            "event_registration": ("name", "email", "phone", "company_name", "registration_properties::text"),
            "event_registration_answer": ("value_text_box",),
            "mail_message": ("body::text", "email_from", "record_name"),
            "mail_tracking_value": ("old_value_char", "new_value_char"),
            "mail_mail": ("body_html", "email_to"),
            "payment_transaction": ("partner_name", "partner_email", "partner_address"),
        }.items():
            for needle in needles:
                condition = SQL(" OR ").join(
                    SQL("%s ILIKE %s", SQL(column), f"%{needle}%") for column in columns)
                self.env.cr.execute(SQL("SELECT count(*) FROM %s WHERE %s", SQL.identifier(table), condition))
                count = self.env.cr.fetchone()[0]
                if count:
                    found[f"{table}:{needle}"] = count
        return found

    def test_forget_removes_personal_data_and_keeps_fiscal_records(self):
        order, tickets = self._sell(self.full_price, 2)
        order.partner_shipping_id = self.delivery
        ticket = tickets[0]
        ticket.write({"registration_properties": {"diet": "vegetarian, Camille"},
                      "registration_answer_ids": [(0, 0, {"question_id": self.question.id,
                                                          "value_text_box": "Camille: peanuts"})]})
        # What the chatter and mail queue typically hold about a buyer. Records are only tracked
        # once the transaction that created them is over: run its pre-commit hooks first.
        self.env.cr.precommit.run()
        tickets[1].with_context(tracking_disable=False).write({"name": "Dominique Martin"})
        order.with_context(tracking_disable=False).write({"partner_id": self.delivery.id})
        self.env.cr.precommit.run()  # writes the tracking values
        order.with_context(tracking_disable=False).write({"partner_id": self.buyer.id})
        self.env.cr.precommit.run()
        order.message_subscribe([self.buyer.id])
        order.message_post(body="Bonjour Camille, merci pour votre commande", partner_ids=[self.buyer.id],
                           message_type="comment", subtype_xmlid="mail.mt_comment")
        order.message_post(body="Please send my tickets to 12 rue des Lilas", author_id=self.buyer.id,
                           email_from="Camille Martin <camille@example.com>", message_type="email")
        self.buyer.message_post(body="Phoned Camille about her seats", message_type="comment")
        self.env["mail.mail"].create({
            "subject": "Your tickets", "body_html": "<p>Hello Camille Martin</p>",
            "email_to": "camille@example.com", "recipient_ids": [(4, self.buyer.id)],
        })
        payment = self.env["payment.transaction"].create({
            "provider_id": self.env.ref("payment.payment_provider_demo").id,
            "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
            "amount": order.amount_total, "currency_id": order.currency_id.id, "partner_id": self.buyer.id,
            "sale_order_ids": [(6, 0, order.ids)],
        })
        payment_kept = (payment.reference, payment.amount, payment.partner_id)
        kept = {t.id: {f: t[f] for f in FISCAL_FIELDS} for t in tickets}
        order_kept = (order.name, order.amount_total, order.amount_untaxed, order.state)
        needles = ("Camille", "camille@example.com", "camille.bureau", "Lilas", "Dominique", "peanuts", "Valin")
        before = self._personal_data_left(*needles)
        for where in ("res_partner:Lilas", "payment_transaction:Lilas", "event_registration:vegetarian",
                      "event_registration_answer:peanuts",
                      "mail_message:Lilas", "mail_message:camille@example.com", "mail_tracking_value:Dominique",
                      "mail_tracking_value:Camille", "mail_mail:Camille", "res_partner:Valin"):
            self.assertIn(where, before | self._personal_data_left("vegetarian"), "the scenario stores it")

        wizard_action = self.env.ref("soticket_base.action_soticket_forget_buyer").with_user(self.manager).with_context(
            active_model="res.partner", active_id=self.buyer.id, active_ids=[self.buyer.id]).run()
        wizard = self.env["soticket.forget.buyer"].with_user(self.manager).with_context(
            wizard_action["context"]).create({})
        self.assertEqual(wizard.partner_id, self.buyer)
        self.assertEqual(wizard.upcoming_ticket_count, 2, "the dialog warns about the tickets still to be used")
        wizard.action_confirm()

        buyer = self.buyer.with_context(active_test=False)
        self.assertEqual(buyer.name, f"Anonymised buyer {buyer.id}")
        self.assertFalse(buyer.active)
        for fname in ("email", "phone", "mobile", "street", "city", "zip", "vat", "website", "image_1920"):
            self.assertFalse(buyer[fname], fname)
        self.assertFalse(buyer.comment)
        self.assertEqual(self.delivery.name, f"Anonymised buyer {self.delivery.id}")
        self.assertFalse(self.delivery.street or self.delivery.email)
        for ticket in tickets:
            self.assertFalse(ticket.name or ticket.email or ticket.phone or ticket.company_name)
            self.assertEqual({f: ticket[f] for f in FISCAL_FIELDS}, kept[ticket.id], "fiscal data unchanged")
        self.assertFalse(tickets.registration_answer_ids)
        # The tickets still open the door: the signed code carries no personal data.
        public = self.env["soticket.signing.key"].public_key()
        self.assertEqual(ticket_code.verify(tickets[0].ticket_code, public).status, "valid")
        self.assertEqual((order.name, order.amount_total, order.amount_untaxed, order.state), order_kept)
        self.assertEqual(order.partner_id, buyer, "the order is kept, linked to the anonymised contact")
        self.assertFalse(payment.partner_name or payment.partner_email or payment.partner_address
                         or payment.partner_phone)
        self.assertEqual((payment.reference, payment.amount, payment.partner_id), payment_kept)
        self.assertFalse(self.env["mail.followers"].search([("partner_id", "=", buyer.id)]))
        self.assertFalse(self.env["mail.mail"].search([("recipient_ids", "in", buyer.ids)]))
        self.assertEqual(self._personal_data_left(*needles, "vegetarian"), {})
        order_tracking = self.env["mail.tracking.value"].search([
            ("mail_message_id.model", "=", "sale.order"), ("mail_message_id.res_id", "=", order.id),
            ("field_id.name", "=", "partner_id")])
        self.assertEqual(len(order_tracking), 2, "the order's change of customer is still in its history")
        self.assertIn(f"Anonymised buyer {buyer.id}", order_tracking.mapped("new_value_char"))

        log = self.env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "=", buyer.id)])
        self.assertEqual(len(log), 1, "only the erasure log is left in the contact's chatter")
        self.assertEqual(log.author_id, self.manager.partner_id)
        self.assertIn("Morgane Régie", str(log.body))
        self.assertIn("GDPR", str(log.body))

    def test_refused_for_a_portal_user_and_nothing_changes(self):
        _order, tickets = self._sell(self.full_price, 1)
        self.env["res.users"].create({
            "name": "Camille Martin", "login": "camille-portal", "partner_id": self.buyer.id,
            "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
        })
        with self.assertRaisesRegex(UserError, "user account"):
            self.buyer.with_user(self.manager).action_soticket_forget_buyer()
        with self.assertRaisesRegex(UserError, "user account"):
            self.buyer.with_user(self.manager)._soticket_forget_buyer()
        self.assertEqual(self.buyer.name, "Camille Martin")
        self.assertEqual(self.buyer.email, "camille@example.com")
        self.assertTrue(self.buyer.active)
        self.assertEqual(tickets.name, "Camille Martin")
        self.assertEqual(tickets.email, "camille@example.com")

    def test_refused_when_one_of_the_addresses_is_a_user_nothing_half_written(self):
        _order, tickets = self._sell(self.full_price, 1)
        self.env["res.users"].create({
            "name": "Camille (bureau)", "login": "camille-bureau", "partner_id": self.delivery.id,
            "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
        })
        with self.assertRaises(UserError):
            self.buyer.with_user(self.manager)._soticket_forget_buyer()
        self.assertEqual((self.buyer.name, self.buyer.street, self.delivery.street),
                         ("Camille Martin", "12 rue des Lilas", "3 quai Valin"))
        self.assertEqual(tickets.name, "Camille Martin")

    def test_refused_for_the_venue_and_internal_users(self):
        with self.assertRaisesRegex(UserError, "user account"):
            self.manager.partner_id.with_user(self.manager)._soticket_forget_buyer()
        company_partner = self.env.company.partner_id
        name = company_partner.name
        with self.assertRaises(UserError):
            company_partner.with_user(self.manager)._soticket_forget_buyer()
        self.assertEqual(company_partner.name, name)

    def test_only_event_managers_can_forget(self):
        with self.assertRaises(AccessError):
            self.buyer.with_user(self.event_user).action_soticket_forget_buyer()
        with self.assertRaises(AccessError):
            self.buyer.with_user(self.event_user)._soticket_forget_buyer()
        self.assertEqual(self.buyer.name, "Camille Martin")

    def test_past_tickets_give_no_warning(self):
        other = self.env["res.partner"].create({"name": "Alex Durand", "email": "alex@example.com"})
        past = self.env["event.event"].create({
            "name": "Rock 2020", "date_begin": "2020-01-10 20:00:00", "date_end": "2020-01-10 23:00:00",
            "event_ticket_ids": [(0, 0, {"name": "Plein tarif", "product_id": self.ticket_product.id,
                                         "price": 20.0})],
        })
        _order, tickets = self._sell(past.event_ticket_ids, 1, partner=other)
        wizard = self.env["soticket.forget.buyer"].with_user(self.manager).create({"partner_id": other.id})
        self.assertEqual((wizard.ticket_count, wizard.upcoming_ticket_count), (1, 0))
        wizard.action_confirm()
        self.assertFalse(tickets.name)
        self.assertTrue(tickets.ticket_number)

    def test_shared_message_and_mail_keep_the_other_recipients(self):
        """An announcement to several people (a message with attachments, its queued e-mails) loses
        only the buyer: body, files and the other recipients stay."""
        other = self.env["res.partner"].create({"name": "Dominique Autre", "email": "dominique@example.com"})
        files = self.env["ir.attachment"].create([{
            "name": name, "raw": b"%PDF-1.4 programme", "res_model": "event.event", "res_id": self.concert.id,
        } for name in ("programme.pdf", "plan.pdf")])
        message = self.concert.with_context(mail_notify_force_send=False).message_post(
            body=Markup("<p>Doors open at 19:00, see the programme.</p>"), subject="Programme",
            partner_ids=[self.buyer.id, other.id], attachment_ids=files[:1].ids,
            message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertLessEqual(self.buyer | other, message.notification_ids.res_partner_id)
        mail = self.env["mail.mail"].create({
            "subject": "Plan d'accès", "body_html": "<p>How to reach the venue</p>",
            "email_to": "Camille Martin <camille@example.com>, dominique@example.com",
            "recipient_ids": [(6, 0, (self.buyer | other).ids)], "attachment_ids": [(6, 0, files[1:].ids)],
        })
        alone = self.env["mail.mail"].create({
            "subject": "Your seat", "body_html": "<p>Camille, your seat is B12</p>",
            "email_to": "camille@example.com",
        })

        # Live notifications (kept a few minutes for reconnecting clients) naming her.
        self.env["bus.bus"]._sendone("broadcast", "soticket_test", {"holder": "Camille Martin"})
        self.env["bus.bus"]._sendone("broadcast", "soticket_test", {"holder": "Dominique Autre"})
        self.env.cr.precommit.run()
        self.assertEqual(self.env["bus.bus"].search_count([("message", "ilike", "Camille Martin")]), 1)

        self.buyer.with_user(self.manager)._soticket_forget_buyer()

        self.assertFalse(self.env["bus.bus"].search_count([("message", "ilike", "Camille Martin")]))
        self.assertEqual(self.env["bus.bus"].search_count([("message", "ilike", "Dominique Autre")]), 1)
        self.assertEqual(str(message.body), "<p>Doors open at 19:00, see the programme.</p>")
        self.assertEqual(message.attachment_ids, files[:1])
        self.assertEqual(message.partner_ids, other, "only the buyer is removed from the recipients")
        self.assertIn(other, message.notification_ids.res_partner_id)
        self.assertNotIn(self.buyer, message.notification_ids.res_partner_id)
        self.assertTrue(mail.exists(), "an e-mail also addressed to someone else is kept")
        self.assertEqual(str(mail.body_html), "<p>How to reach the venue</p>")
        self.assertEqual(mail.attachment_ids, files[1:])
        self.assertEqual(mail.recipient_ids, other)
        self.assertEqual(mail.email_to, "dominique@example.com")
        self.assertTrue(files.exists())
        self.assertFalse(alone.exists(), "an e-mail to the buyer alone is deleted")
        self.assertFalse(self.env["mail.mail"].search([("recipient_ids", "in", self.buyer.ids)]))
        self.assertEqual(self._personal_data_left("camille@example.com"), {})
