# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import logging
import uuid

import odoo
from odoo import api
from odoo import fields
from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import format_amount
from odoo.tools import format_datetime

_logger = logging.getLogger(__name__)

REFUND_KINDS = [
    ("seller_payout", "Seller's refund"),
    ("buyer_unfulfilled", "Buyer not served"),
]
REFUND_STATES = [
    ("to_pay", "To pay"),
    ("requested", "Requested from the payment provider"),
    ("done", "Paid"),
    ("cancelled", "Cancelled"),
]
# The money owed, to whom, how and whether it was paid: written by the resale flows and the
# refund buttons only, in superuser mode after their checks (soticket_base/tools/server_fields.py).
SERVER_FIELDS = frozenset({
    "kind", "listing_id", "registration_id", "event_id", "order_id", "company_id", "currency_id",
    "amount", "method", "source_transaction_id", "refund_transaction_id", "credit_note_id", "state", "done_at",
})


class SoticketResaleRefund(models.Model):
    """Money the venue owes because of a resale: the seller's refund (face value minus
    their part of the fee), or a buyer who paid for a resale ticket somebody else got.

    Recorded in the transaction that settles (or refuses) the resale; the refund itself
    goes through the original payment provider after that transaction commits when the
    provider supports refunds, else the staff pays it and marks it paid.
    """

    _name = "soticket.resale.refund"
    _description = "Resale refund"
    _inherit = ["mail.thread", "mail.activity.mixin", "soticket.server.fields.mixin"]
    _soticket_server_fields = SERVER_FIELDS
    _order = "id desc"

    name = fields.Char("Reference", compute="_compute_name", store=True)
    kind = fields.Selection(REFUND_KINDS, "Reason", required=True, readonly=True)
    listing_id = fields.Many2one("soticket.resale.listing", "Resale listing", readonly=True, index=True,
                                 ondelete="restrict")
    registration_id = fields.Many2one("event.registration", "Ticket", readonly=True,
                                      context={"active_test": False})
    event_id = fields.Many2one("event.event", "Event", readonly=True, index=True)
    order_id = fields.Many2one("sale.order", "Order refunded", readonly=True, index="btree_not_null")
    partner_id = fields.Many2one("res.partner", "Refund to", readonly=True)
    partner_name = fields.Char("Name", readonly=True)
    partner_email = fields.Char("E-mail", readonly=True)
    company_id = fields.Many2one("res.company", "Venue", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", "Currency", required=True, readonly=True)
    amount = fields.Monetary("Amount", required=True, readonly=True, aggregator="sum")
    method = fields.Selection(
        [("provider", "Through the payment provider"), ("manual", "By the venue")], "Refund method",
        required=True, readonly=True, tracking=True)
    source_transaction_id = fields.Many2one("payment.transaction", "Original payment", readonly=True)
    refund_transaction_id = fields.Many2one("payment.transaction", "Refund payment", readonly=True)
    provider_request_key = fields.Char(
        "Provider request key", readonly=True, copy=False, index="btree_not_null",
        help="Idempotency key of the refund request to the payment provider, committed before the request: a "
             "refund whose key is set was sent at most once, and is never sent again.")
    provider_requested_at = fields.Datetime("Requested from the provider on", readonly=True, copy=False)
    credit_note_id = fields.Many2one("account.move", "Credit note", readonly=True)
    state = fields.Selection(REFUND_STATES, "Status", default="to_pay", required=True, readonly=True, index=True,
                             tracking=True)
    note = fields.Text("Notes", readonly=True)
    done_at = fields.Datetime("Paid on", readonly=True)

    _sql_constraints = [
        ("amount_not_negative", "CHECK(amount >= 0)", "A refund amount cannot be negative."),
    ]

    @api.depends("kind")
    def _compute_name(self):
        for refund in self:
            refund.name = f"RR{refund.id or 0:06d}"

    # ------------------------------------------------------------------ creation
    @api.model
    def _soticket_create_seller_payout(self, listing):
        """The seller's refund of a settled ``listing``, with a draft credit note if their order was invoiced."""
        seller_ticket = listing.registration_id.with_context(active_test=False)
        order = seller_ticket.sale_order_id
        tx = self._soticket_refundable_transaction(order, listing.seller_payout)
        refund = self.create({
            "kind": "seller_payout",
            "listing_id": listing.id,
            "registration_id": seller_ticket.id,
            "event_id": listing.event_id.id,
            "order_id": order.id,
            "partner_id": (order.partner_id or listing.seller_partner_id).id,
            "partner_name": listing.seller_name,
            "partner_email": listing.seller_email,
            "company_id": listing.company_id.id,
            "currency_id": listing.currency_id.id,
            "amount": listing.seller_payout,
            "method": "provider" if tx else "manual",
            "source_transaction_id": tx.id,
        })
        refund.credit_note_id = refund._soticket_draft_credit_note()
        refund._soticket_after_create()
        return refund

    @api.model
    def _soticket_create_buyer_refund(self, order, reason):
        """``order`` was paid but could not get its resale ticket: its payment is refunded in full."""
        amount = order.amount_paid
        tx = self._soticket_refundable_transaction(order, amount)
        listing = order.order_line.soticket_resale_listing_id[:1]
        refund = self.create({
            "kind": "buyer_unfulfilled",
            "listing_id": listing.id,
            "event_id": listing.event_id.id,
            "order_id": order.id,
            "partner_id": order.partner_id.id,
            "partner_name": order.partner_id.name,
            "partner_email": order.partner_id.email,
            "company_id": order.company_id.id,
            "currency_id": order.currency_id.id,
            "amount": amount,
            "method": "provider" if tx else "manual",
            "source_transaction_id": tx.id,
            "note": reason,
        })
        refund._soticket_after_create()
        return refund

    def _soticket_after_create(self):
        for refund in self:
            if refund.method == "manual":
                refund._soticket_schedule_manual_activity()
        if self.filtered(lambda r: r.method == "provider"):
            # After the settlement commits: a refund must never go out for a sale that rolls back.
            self.env.ref("soticket_resale.ir_cron_resale_refunds")._trigger()

    def _soticket_schedule_manual_activity(self):
        self.ensure_one()
        responsible = (self.event_id.user_id or self.order_id.user_id or self.env.ref("base.user_admin"))
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Refund %(amount)s to %(who)s", amount=format_amount(
                self.env, self.amount, self.currency_id), who=self.partner_name or self.partner_email or ""),
            note=self.env._("This payment cannot be refunded through the payment provider: refund it yourself, "
                            "then mark the refund as paid."),
            user_id=responsible.id,
        )

    @api.model
    def _soticket_refundable_transaction(self, order, amount):
        """The payment of ``order`` the provider can refund ``amount`` from, or an empty recordset."""
        if not order or not amount:
            return self.env["payment.transaction"]
        currency = order.currency_id
        for tx in order.sudo().transaction_ids.filtered(lambda t: t.state == "done" and t.operation != "refund"):
            support = tx.provider_id.support_refund
            if not support or support == "none":
                continue
            refunded = -sum(tx.child_transaction_ids.filtered(
                lambda c: c.operation == "refund" and c.state not in ("cancel", "error")).mapped("amount"))
            remaining = tx.amount - refunded
            if support == "full_only" and (refunded or currency.compare_amounts(amount, tx.amount) != 0):
                continue
            if currency.compare_amounts(remaining, amount) >= 0:
                return tx
        return self.env["payment.transaction"]

    def _soticket_draft_credit_note(self):
        """A draft credit note for the seller's refund if their order was invoiced: the ticket
        comes back, less the seller's part of the service fee (a negative line)."""
        self.ensure_one()
        listing = self.listing_id
        order = self.order_id
        invoices = order.invoice_ids.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        if not invoices:
            return self.env["account.move"]
        ticket_line = self.registration_id.sale_order_line_id
        inv_line = invoices.invoice_line_ids.filtered(lambda line: ticket_line in line.sale_line_ids)[:1]
        invoice = inv_line.move_id or invoices[:1]
        _ = self.env._
        description = _("Resold ticket: %(event)s, %(category)s", event=listing.event_id.name,
                        category=listing.event_ticket_id.name or "")
        taxes = inv_line.tax_ids if inv_line else listing.tax_ids
        ticket_vals = {
            "name": description,
            "quantity": 1,
            "price_unit": inv_line.price_unit if inv_line else self._soticket_unit_price(listing.price, taxes),
            "discount": inv_line.discount if inv_line else 0.0,
            "tax_ids": [fields.Command.set(taxes.ids)],
        }
        if inv_line:
            ticket_vals.update(product_id=inv_line.product_id.id, account_id=inv_line.account_id.id)
        lines = [fields.Command.create(ticket_vals)]
        if listing.seller_fee:
            fee_vals = {
                "name": _("Resale service fee"),
                "quantity": 1,
                "price_unit": -self._soticket_unit_price(listing.seller_fee, taxes),
                "tax_ids": [fields.Command.set(taxes.ids)],
            }
            if inv_line:
                fee_vals["account_id"] = inv_line.account_id.id
            lines.append(fields.Command.create(fee_vals))
        return self.env["account.move"].sudo().with_company(invoice.company_id).create({
            "move_type": "out_refund",
            "partner_id": invoice.partner_id.id,
            "journal_id": invoice.journal_id.id,
            "currency_id": invoice.currency_id.id,
            "reversed_entry_id": invoice.id,
            "invoice_origin": order.name,
            "ref": _("%(listing)s: ticket resold", listing=listing.name),
            "invoice_line_ids": lines,
        })

    @api.model
    def _soticket_unit_price(self, amount_included, taxes):
        """The unit price giving ``amount_included`` taxes included, for lines carrying ``taxes``."""
        if not taxes or all(tax.price_include for tax in taxes):
            return amount_included
        return taxes.with_context(force_price_include=True).compute_all(amount_included)["total_excluded"]

    # ------------------------------------------------------------------ processing
    @api.model
    def _cron_process_refunds(self):
        """Ask the payment providers for the refunds recorded by committed resales, one refund per
        transaction: a refund asked from a provider is committed with it, and a failure later in the
        run cannot roll it back and have it asked again."""
        for refund_id in self.search([("state", "in", ("to_pay", "requested")), ("method", "=", "provider")]).ids:
            self.browse(refund_id)._soticket_process_provider_refund()
            self._soticket_commit()
        return True

    def _soticket_commit(self):
        """Commit the work done so far (one refund at a time). Not inside a test, whose transaction
        must roll back at its end (the tests replace this method to check where it is called)."""
        if odoo.modules.module.current_test:
            return
        self.env.cr.commit()  # pylint: disable=invalid-commit

    def _soticket_lock_for_processing(self):
        """Lock this refund's row, skipping it if another worker processes it now; re-read it."""
        self.ensure_one()
        self.flush_recordset()
        self.env.cr.execute(SQL("SELECT id FROM soticket_resale_refund WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                                self.id))
        locked = bool(self.env.cr.fetchone())
        self.invalidate_recordset()
        return locked

    def _soticket_process_provider_refund(self):
        """Move one provider refund forward.

        - to pay: an idempotency key is stored and committed, then the provider is asked once and its
          answer committed. A key found without an answer means an earlier run asked the provider and
          lost its answer (crash, rollback): it is never asked again, the staff checks and pays by hand.
        - requested: done when the provider's refund transaction is done; when it ended in error or was
          cancelled, the venue refunds by hand (a to-do for the event's responsible).
        """
        self.ensure_one()
        if not self._soticket_lock_for_processing() or self.method != "provider":
            return
        _ = self.env._
        if self.state == "requested":
            self._soticket_check_requested()
            return
        if self.state != "to_pay":
            return
        if self.provider_request_key:
            self._soticket_to_manual(_(
                "The refund request %(key)s was sent to %(provider)s on %(date)s but its answer was lost: it is "
                "not sent again. Check in the provider's back office whether it was refunded before refunding "
                "it yourself.", key=self.provider_request_key, provider=self.source_transaction_id.provider_id.name,
                date=format_datetime(self.env, self.provider_requested_at)))
            return
        # 1. The key, committed before the provider hears of the refund.
        self.write({"provider_request_key": f"soticket-resale-refund-{self.id}-{uuid.uuid4().hex}",
                    "provider_requested_at": fields.Datetime.now()})
        self._soticket_commit()
        # 2. One request to the provider (its answer is committed by the caller).
        tx = self.source_transaction_id.sudo()
        before = tx.child_transaction_ids
        try:
            with self.env.cr.savepoint():
                tx.action_refund(amount_to_refund=self.amount)
        except Exception as error:  # the provider refused: the venue pays it by hand
            _logger.warning("Resale refund %s: provider refund failed: %s", self.name, error)
            self._soticket_to_manual(_(
                "The payment provider could not refund this payment (%(error)s): refund it yourself.",
                error=str(error)))
            return
        refund_tx = (tx.child_transaction_ids - before).filtered(lambda t: t.operation == "refund")[:1]
        self.write({"state": "requested", "refund_transaction_id": refund_tx.id})
        if self.credit_note_id.state == "draft":
            self.credit_note_id.action_post()
        self.message_post(body=_("Refund of %(amount)s requested from %(provider)s (%(reference)s).",
                                 amount=format_amount(self.env, self.amount, self.currency_id),
                                 provider=tx.provider_id.name, reference=refund_tx.reference or ""))
        self._soticket_check_requested()

    def _soticket_check_requested(self):
        """A requested refund: paid when its provider transaction is done, by hand when it failed."""
        self.ensure_one()
        refund_tx = self.refund_transaction_id.sudo()
        if refund_tx.state == "done":
            self._soticket_mark_done()
        elif refund_tx.state in ("error", "cancel") or not refund_tx:
            states = dict(refund_tx._fields["state"]._description_selection(self.env))
            detail = ", " + refund_tx.state_message if refund_tx.state_message else ""
            self._soticket_to_manual(self.env._(
                "The payment provider did not refund this payment (%(reference)s: %(state)s%(detail)s): "
                "refund it yourself.", reference=refund_tx.reference or "?",
                state=states.get(refund_tx.state, refund_tx.state or "?"), detail=detail))

    def _soticket_to_manual(self, reason):
        """The provider will not refund: the venue does, from a to-do; the refund waits to be marked paid."""
        self.ensure_one()
        self.write({"method": "manual", "state": "to_pay", "note": "\n".join(filter(None, [self.note, reason]))})
        self.message_post(body=reason)
        self._soticket_schedule_manual_activity()

    def _soticket_mark_done(self):
        for refund in self:
            refund.sudo().write({"state": "done", "done_at": fields.Datetime.now()})
            refund.activity_ids.action_feedback(feedback=self.env._("Refund paid."))
            message = self.env._("Refund of %(amount)s paid.", amount=format_amount(
                self.env, refund.amount, refund.currency_id))
            refund.message_post(body=message)
            if refund.listing_id and refund.kind == "seller_payout":
                refund.listing_id.message_post(body=message)
            if refund.order_id and refund.kind == "buyer_unfulfilled":
                refund.order_id.message_post(body=message)

    # ------------------------------------------------------------------ staff actions
    def action_mark_paid(self):
        """The staff refunded the money themselves (bank transfer, cash, provider back office)."""
        self.check_access("write")
        for refund in self:
            if refund.state not in ("to_pay", "requested"):
                raise UserError(self.env._("%(refund)s is not waiting to be paid.", refund=refund.display_name))
            if refund.credit_note_id.state == "draft":
                refund.credit_note_id.action_post()
        self._soticket_mark_done()
        return True

    def action_cancel(self):
        self.check_access("write")
        for refund in self:
            if refund.state == "done":
                raise UserError(self.env._("%(refund)s was already paid.", refund=refund.display_name))
        self.sudo().write({"state": "cancelled"})
        self.activity_ids.unlink()
        return True
