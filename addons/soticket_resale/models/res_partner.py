# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import models
from odoo.osv import expression
from odoo.tools import email_normalize_all


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _soticket_forget_buyer_data(self, erasure):
        """GDPR erasure (soticket_base): the buyer's resale listings lose the seller's name and
        e-mail, their waiting-list entries are deleted (an offer they held goes to the next in
        line), their resale refunds lose the name and e-mail; the listings, refunds and both
        tickets of each resale have the buyer's name removed from their chatter and to-dos.
        Amounts, dates and states are kept (fiscal records)."""
        res = super()._soticket_forget_buyer_data(erasure)
        env, scope, registrations = erasure.env, erasure.scope, erasure.registrations
        emails = erasure.emails

        def theirs(address):
            return bool(emails & set(email_normalize_all(address or "")))

        # Listings they sold or bought.
        listings = env["soticket.resale.listing"].search(expression.OR([
            [("seller_partner_id", "in", scope.ids)],
            [("buyer_partner_id", "in", scope.ids)],
            [("registration_id", "in", registrations.ids)],
            [("new_registration_id", "in", registrations.ids)],
            [("buyer_order_id", "in", erasure.orders.ids)],
            *([("seller_email", "=ilike", email)] for email in sorted(emails)),
        ]))
        sold = listings.filtered(lambda listing: listing.seller_partner_id in scope
                                 or listing.registration_id in registrations or theirs(listing.seller_email))
        erasure.add_names(*sold.mapped("seller_name"))

        # Waiting-list entries: deleted with their chatter; an offer they held goes to the next in line.
        entries = env["soticket.resale.waitlist"].search(expression.OR([
            [("partner_id", "in", scope.ids)],
            *([("email", "=ilike", email)] for email in sorted(emails)),
        ])).filtered(lambda entry: entry.partner_id in scope or theirs(entry.email))
        erasure.add_names(*entries.mapped("name"))
        offered = entries.filtered(lambda entry: entry.state == "offered").offer_listing_id
        offered._lock()
        released = offered.filtered(lambda listing: listing.offer_waitlist_id in entries)
        released.write({"offer_waitlist_id": False, "offer_until": False})
        entries.unlink()

        # Refunds owed to them (seller's payout, buyer not served).
        refunds = env["soticket.resale.refund"].search(expression.OR([
            [("partner_id", "in", scope.ids)],
            [("listing_id", "in", sold.ids), ("kind", "=", "seller_payout")],
            [("order_id", "in", erasure.orders.ids)],
            *([("partner_email", "=ilike", email)] for email in sorted(emails)),
        ]))
        refunds = refunds.filtered(lambda refund: refund.partner_id in scope or refund.listing_id in sold
                                   or refund.order_id in erasure.orders or theirs(refund.partner_email))
        erasure.add_names(*refunds.mapped("partner_name"))

        sold.write({"seller_name": False, "seller_email": False})
        for refund in refunds:
            refund.write({"partner_name": False, "partner_email": False, "note": erasure.redact(refund.note)})
        erasure.add_records(listings)
        erasure.add_records(listings.registration_id | listings.new_registration_id)
        erasure.add_records(refunds)
        # Offers they held: to the next in line, now that the line no longer holds them.
        released.filtered(lambda listing: listing.state == "listed")._soticket_offer_to_next_in_line()
        return res
