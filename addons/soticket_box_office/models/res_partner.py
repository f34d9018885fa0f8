# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import models

# The customer's contact details copied onto a point-of-sale order.
POS_ORDER_PERSONAL_FIELDS = ("email", "mobile")


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _soticket_forget_buyer_data(self, erasure):
        """GDPR erasure (soticket_base): the buyer's guest-list entries (the ones their invitation
        tickets came from, or written under one of their names) are renamed "Anonymised guest" and
        lose their note; reason, places and check-ins are kept. Their point-of-sale orders have
        their copy of the buyer's e-mail and mobile emptied and the buyer's name removed from their
        chatter; amounts and lines are kept."""
        res = super()._soticket_forget_buyer_data(erasure)
        env = erasure.env
        names = {" ".join(name.split()).casefold() for name in erasure.names}
        guests = erasure.registrations.guest_list_id
        if names:
            candidates = env["soticket.guest.list"].search(
                ["|"] * (len(names) - 1) + [("name", "=ilike", name) for name in sorted(names)])
            guests |= candidates.filtered(lambda guest: " ".join(guest.name.split()).casefold() in names)
        erasure.add_names(*guests.mapped("name"))
        for guest in guests:
            guest.write({"name": env._("Anonymised guest %(id)s", id=guest.id), "note": False})
        orders = env["pos.order"].search([("partner_id", "in", erasure.scope.ids)])
        orders.write(dict.fromkeys([f for f in POS_ORDER_PERSONAL_FIELDS if f in orders._fields], False))
        erasure.add_records(orders)
        return res
