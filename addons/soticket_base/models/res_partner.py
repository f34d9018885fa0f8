# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import json

from markupsafe import Markup

from odoo import Command
from odoo import fields
from odoo import models
from odoo.exceptions import AccessError
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools import email_normalize_all
from odoo.tools.mail import email_split_and_format

from ..tools.buyer_erasure import BuyerErasure

# Contact fields emptied on the buyer and on their child contacts (delivery/invoice addresses).
PARTNER_PERSONAL_FIELDS = (
    "email", "phone", "mobile", "street", "street2", "city", "zip", "state_id", "country_id", "vat", "website",
    "comment", "function", "title", "ref", "company_name", "barcode", "industry_id", "image_1920",
)
# Attendee fields emptied on each of the buyer's tickets.
REGISTRATION_PERSONAL_FIELDS = ("name", "email", "phone", "company_name")
# The buyer's contact details copied onto their online payments.
TRANSACTION_PERSONAL_FIELDS = (
    "partner_name", "partner_email", "partner_phone", "partner_address", "partner_zip", "partner_city",
    "partner_state_id", "partner_country_id",
)


def _like_escape(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------------ UI entry point
    def action_soticket_forget_buyer(self):
        """Open the confirmation dialog of the GDPR erasure (refused up front for users and companies)."""
        self._soticket_check_forget_allowed()
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Forget this buyer"),
            "res_model": "soticket.forget.buyer",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    # ------------------------------------------------------------------ checks
    def _soticket_forget_scope(self):
        """The buyer and their child contacts (invoice/delivery addresses), archived ones included."""
        return self.sudo().with_context(active_test=False).search([("id", "child_of", self.ids)])

    def _soticket_check_forget_allowed(self):
        """Raise before anything is written if the caller may not, or the partner must not, be erased."""
        if not self.env.su and not self.env.user.has_group("event.group_event_manager"):
            raise AccessError(self.env._("Only event managers can erase a buyer's personal data."))
        if not self:
            raise UserError(self.env._("Select the buyer whose personal data should be erased."))
        scope = self._soticket_forget_scope()
        users = self.env["res.users"].sudo().with_context(active_test=False).search([("partner_id", "in", scope.ids)])
        if users:
            raise UserError(self.env._(
                "%(partner)s has a user account on this database (internal or portal user %(login)s). "
                "A user's personal data is not erased from here: remove the account's access first, then "
                "handle the request with your administrator.",
                partner=users[0].partner_id.display_name, login=users[0].login))
        companies = self.env["res.company"].sudo().with_context(active_test=False).search(
            [("partner_id", "in", scope.ids)])
        if companies:
            raise UserError(self.env._(
                "%(partner)s is the venue's own company: it cannot be erased as a buyer.",
                partner=companies[0].partner_id.display_name))

    # ------------------------------------------------------------------ what would be touched
    def _soticket_buyer_registrations(self):
        """Every ticket of the buyer: booked by them or one of their addresses, sold in one of their
        orders, or issued in their e-mail address."""
        scope = self._soticket_forget_scope()
        emails = scope._soticket_emails()
        domain = expression.OR([
            [("partner_id", "in", scope.ids)],
            [("sale_order_id.partner_id", "in", scope.ids)],
            *([("email", "=ilike", email)] for email in sorted(emails)),
        ])
        registrations = self.env["event.registration"].sudo().with_context(active_test=False).search(domain)
        # =ilike treats "_" and "%" as wildcards: keep exact address matches only.
        return registrations.filtered(
            lambda r: r.partner_id in scope or r.sale_order_id.partner_id in scope
            or emails & set(email_normalize_all(r.email or "")))

    def _soticket_buyer_orders(self):
        scope = self._soticket_forget_scope()
        return self.env["sale.order"].sudo().search([
            "|", "|", ("partner_id", "in", scope.ids), ("partner_invoice_id", "in", scope.ids),
            ("partner_shipping_id", "in", scope.ids),
        ])

    def _soticket_upcoming_tickets(self):
        """Valid tickets for events still to come: they stay valid after the erasure."""
        now = fields.Datetime.now()
        return self._soticket_buyer_registrations().filtered(
            lambda r: r.ticket_state == "valid" and r.event_id.date_end and r.event_id.date_end >= now)

    def _soticket_emails(self):
        return {email for partner in self for email in email_normalize_all(partner.email or "")}

    # ------------------------------------------------------------------ erasure
    def _soticket_forget_buyer(self):
        """GDPR erasure of buyers: personal data removed, fiscal ticket records kept.

        Everything happens in the caller's transaction, after all checks: a refusal
        writes nothing, and an error half-way rolls back to the savepoint.
        """
        self._soticket_check_forget_allowed()
        with self.env.cr.savepoint():
            for partner in self:
                partner._soticket_erase_personal_data()
        return True

    def _soticket_erase_personal_data(self):
        self.ensure_one()
        env = self.env(su=True, context=dict(
            self.env.context, active_test=False, tracking_disable=True, mail_notrack=True, mail_create_nolog=True))
        scope = self._soticket_forget_scope().with_env(env)
        emails = scope._soticket_emails()
        registrations = self._soticket_buyer_registrations().with_env(env)
        orders = self._soticket_buyer_orders().with_env(env)
        placeholder = Markup("<p>%s</p>") % env._("Content removed: personal data erased on request.")
        erasure = BuyerErasure(env, scope, emails, registrations, orders,
                               env._("Anonymised buyer %(id)s", id=self.id))

        def theirs(addresses):
            """The buyer's addresses among ``addresses`` (an e-mail header)."""
            return emails & set(email_normalize_all(addresses or ""))

        def others(addresses):
            """``addresses`` (an e-mail header) without the buyer's: "a@x, b@y" stays as written."""
            return ", ".join(a for a in email_split_and_format(addresses or "") if not theirs(a))

        # 1. Outgoing/kept e-mails addressed to the buyer. Only to them: deleted (their body and
        #    attachments carry name and address). Also to other people: only the buyer is removed
        #    from the recipients, the others' e-mail is left intact.
        mails = env["mail.mail"].search(expression.OR([
            [("recipient_ids", "in", scope.ids)],
            *([("email_to", "ilike", email)] for email in sorted(emails)),
            *([("email_cc", "ilike", email)] for email in sorted(emails)),
        ]))
        mails = mails.filtered(lambda m: m.recipient_ids & scope or theirs(m.email_to) or theirs(m.email_cc))
        only_theirs = mails.filtered(lambda m: not (m.recipient_ids - scope) and not others(m.email_to)
                                     and not others(m.email_cc))
        for mail in mails - only_theirs:
            mail.write({
                "recipient_ids": [Command.unlink(partner.id) for partner in mail.recipient_ids & scope],
                "email_to": others(mail.email_to) or False,
                "email_cc": others(mail.email_cc) or False,
            })
        # A mail that is not a notification takes its message along: its files go with it, unless
        # another message shares them.
        own_messages = only_theirs.filtered(lambda m: not m.is_notification).mail_message_id
        (own_messages.attachment_ids - env["mail.message"].search([
            ("attachment_ids", "in", own_messages.attachment_ids.ids), ("id", "not in", own_messages.ids),
        ]).attachment_ids).unlink()
        only_theirs.unlink()

        # 2. The partner's own chatter, to-dos and files: all of it is about them.
        env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "in", scope.ids)]).unlink()
        env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "in", scope.ids)]).unlink()
        env["ir.attachment"].search([("res_model", "=", "res.partner"), ("res_id", "in", scope.ids)]).unlink()

        # 3. Messages they wrote, or that were addressed to them alone, anywhere (orders, tickets...):
        #    body, sender and attachments removed. A message also addressed to other people (an
        #    event-wide announcement, an invoice) keeps its body and files: the buyer is only
        #    removed from its recipients (their notifications go in 5.).
        messages = env["mail.message"].search(expression.OR([
            [("author_id", "in", scope.ids)],
            [("partner_ids", "in", scope.ids)],
            *([("email_from", "ilike", email)] for email in sorted(emails)),
        ]))
        for message in messages:
            from_them = message.author_id in scope or theirs(message.email_from)
            to_them = message.partner_ids & scope
            if not from_them and not to_them:
                continue  # an "ilike" false positive
            if not from_them and message.partner_ids - scope:
                message.write({"partner_ids": [Command.unlink(partner.id) for partner in to_them]})
                continue
            message.attachment_ids.unlink()
            message.write({"body": placeholder, **({"email_from": False, "reply_to": False} if from_them else {})})

        # 4. Tracking values: the tickets' attendee fields are deleted; wherever a link to the buyer
        #    was tracked, the name recorded at the time is replaced by the anonymised one.
        if registrations:
            env["mail.tracking.value"].search([
                ("mail_message_id.model", "=", "event.registration"),
                ("mail_message_id.res_id", "in", registrations.ids),
                ("field_id.name", "in", (*REGISTRATION_PERSONAL_FIELDS, "partner_id")),
            ]).unlink()
            env["mail.message"].search([
                ("model", "=", "event.registration"), ("res_id", "in", registrations.ids),
            ]).write({"record_name": False})

        # 5. Followers, notification statuses and website visits.
        env["mail.followers"].search([("partner_id", "in", scope.ids)]).unlink()
        env["mail.notification"].search([("res_partner_id", "in", scope.ids)]).unlink()
        if "website.visitor" in env:
            visitors = env["website.visitor"].search([("partner_id", "in", scope.ids)])
            if "visitor_id" in registrations._fields:
                visitors |= registrations.visitor_id
            visitors.unlink()

        # 6. What the other addons store about the buyer (resale, box office, door scans...), then
        #    the buyer's names replaced in the chatter and to-dos of every record about them.
        self.with_env(env)._soticket_forget_buyer_data(erasure)
        erasure.add_records(registrations)
        erasure.add_records(orders)
        erasure.scrub()
        self._soticket_purge_bus(erasure)

        # 7. Tickets: attendee data, answers and properties removed; number, prices, dates, event,
        #    category, order and code kept (the code carries no personal data).
        registrations.registration_answer_ids.unlink()
        registrations.write({**dict.fromkeys(REGISTRATION_PERSONAL_FIELDS, False), "registration_properties": False})

        # 8. Online payments: the copy of the buyer's contact details is removed; amounts and references kept.
        if "payment.transaction" in env:
            transactions = env["payment.transaction"].search([
                "|", ("partner_id", "in", scope.ids), ("sale_order_ids", "in", orders.ids)])
            transactions.write(dict.fromkeys(
                [f for f in TRANSACTION_PERSONAL_FIELDS if f in transactions._fields], False))
            env["payment.token"].search([("partner_id", "in", scope.ids)]).write({"active": False})
        self._soticket_erase_bank_accounts(scope)

        # 9. The contacts themselves: renamed, emptied and archived. Orders stay linked to them.
        for partner in scope:
            partner.write({
                **dict.fromkeys([f for f in PARTNER_PERSONAL_FIELDS if f in partner._fields], False),
                "name": env._("Anonymised buyer %(id)s", id=partner.id),
                "active": False,
            })
        self._soticket_rename_tracked_links(scope)

        # 10. Who did it and when, without personal data.
        self.with_env(env)._message_log(
            body=env._("Personal data erased on request (GDPR) by %(user)s. Kept as fiscal records: %(tickets)s "
                       "ticket(s) (numbers, prices, dates, events, categories) and %(orders)s order(s).",
                       user=self.env.user.name, tickets=len(registrations), orders=len(orders)),
            author_id=self.env.user.partner_id.id,
        )

    def _soticket_forget_buyer_data(self, erasure):
        """Hook: each addon erases here what it stores about the buyer (``erasure``: a
        :class:`~odoo.addons.soticket_base.tools.buyer_erasure.BuyerErasure`, sudo), registers
        the records about them whose chatter and to-dos must lose the buyer's name
        (``erasure.add_records``) and the other names it knew them under (``erasure.add_names``).
        Overrides call ``super()``. Runs inside the erasure's savepoint, before the tickets and the
        contacts are emptied."""
        return True

    def _soticket_purge_bus(self, erasure):
        """Live notifications (kept a few minutes for clients that reconnect) naming the buyer."""
        if not erasure.names:
            return
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "DELETE FROM bus_bus WHERE message ILIKE ANY(%s)",
            # as written, and as JSON writes non-ASCII characters ("Zo\\u00e9")
            [f"%{_like_escape(variant)}%" for name in sorted(erasure.names)
             for variant in {name, json.dumps(name)[1:-1]}],
        ))

    def _soticket_erase_bank_accounts(self, scope):
        """Bank accounts (IBAN and holder) of the buyer: number replaced, holder emptied, archived,
        their own chatter deleted. Odoo never deletes a bank account (invoices and payments may
        refer to it) and logs every change of its number on the contact: written directly."""
        env = scope.env
        banks = env["res.partner.bank"].with_context(active_test=False).search([("partner_id", "in", scope.ids)])
        if not banks:
            return
        env.flush_all()
        for bank in banks:
            env.cr.execute(SQL(
                "UPDATE res_partner_bank SET acc_number = %(number)s, sanitized_acc_number = %(number)s, "
                "acc_holder_name = NULL, active = FALSE WHERE id = %(id)s",
                number=f"ERASED-{bank.id}", id=bank.id))
        banks.invalidate_recordset()
        env["mail.message"].search([("model", "=", "res.partner.bank"), ("res_id", "in", banks.ids)]).unlink()

    def _soticket_rename_tracked_links(self, scope):
        """Many2one tracking values store the linked contact's name as text: rewrite it for the scope."""
        self.env.flush_all()
        for column in ("old", "new"):
            self.env.cr.execute(SQL(
                """
                UPDATE mail_tracking_value v
                   SET %(char)s = p.name
                  FROM ir_model_fields f, res_partner p
                 WHERE f.id = v.field_id AND f.ttype = 'many2one' AND f.relation = 'res.partner'
                   AND p.id = v.%(integer)s AND p.id = ANY(%(ids)s)
                """,
                char=SQL.identifier(f"{column}_value_char"), integer=SQL.identifier(f"{column}_value_integer"),
                ids=scope.ids,
            ))
        self.env["mail.tracking.value"].invalidate_model()
