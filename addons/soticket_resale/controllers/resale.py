# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import http
from odoo import tools
from odoo.exceptions import UserError
from odoo.exceptions import ValidationError
from odoo.http import request

RESULTS = ("listed", "withdrawn")


class SoticketResaleController(http.Controller):
    """The resale exchange on the website: the holder's signed page (list, withdraw), buying
    from the event page, the waiting list and its offers. Logic lives in the models; every
    change runs in a savepoint, so a refusal leaves nothing behind."""

    # ------------------------------------------------------------------ holder's page (signed link)
    def _signed_registration(self, registration_id, token):
        registration = request.env["event.registration"].sudo().with_context(active_test=False).browse(
            registration_id).exists()
        if not registration or not registration._check_ticket_access_token(token):
            return None
        return registration

    def _forged(self):
        return request.render("soticket_resale.resale_message_page", {
            "title": request.env._("Invalid resale link"),
            "message": request.env._("This resale link is not valid: it may be mistyped, or the ticket's code "
                                     "was changed since. Use the link of your latest e-ticket or your account."),
            "alert": "danger",
        }, status=404)

    @http.route("/soticket/resale/<int:registration_id>/<string:token>", type="http", auth="public", website=True,
                methods=["GET"], sitemap=False)
    def resale_ticket_page(self, registration_id, token, result=None, **kwargs):
        registration = self._signed_registration(registration_id, token)
        if registration is None:
            return self._forged()
        return self._render_ticket_page(registration, token, result=result if result in RESULTS else None)

    def _render_ticket_page(self, registration, token, result=None, error=None):
        values = registration._soticket_resale_page_values()
        values.update(token=token, result=result, error=error)
        return request.render("soticket_resale.resale_ticket_page", values, status=400 if error else 200)

    @http.route("/soticket/resale/<int:registration_id>/<string:token>/list", type="http", auth="public",
                website=True, methods=["POST"], sitemap=False)
    def resale_list(self, registration_id, token, **post):
        registration = self._signed_registration(registration_id, token)
        if registration is None:
            return self._forged()
        origin = "portal" if not request.env.user._is_public() else "link"
        try:
            with request.env.cr.savepoint():
                request.env["soticket.resale.listing"].sudo()._soticket_list(
                    registration, origin=origin, posted_price=post.get("price"))
        except UserError as error:
            return self._render_ticket_page(registration, token, error=error.args[0])
        return request.redirect(f"{registration._soticket_resale_url()}?result=listed")

    @http.route("/soticket/resale/<int:registration_id>/<string:token>/withdraw", type="http", auth="public",
                website=True, methods=["POST"], sitemap=False)
    def resale_withdraw(self, registration_id, token, **post):
        registration = self._signed_registration(registration_id, token)
        if registration is None:
            return self._forged()
        listing = registration.soticket_resale_open_listing_id
        try:
            if not listing:
                raise UserError(request.env._("This ticket is not on resale."))
            with request.env.cr.savepoint():
                listing.sudo().action_withdraw()
        except UserError as error:
            return self._render_ticket_page(registration, token, error=error.args[0])
        return request.redirect(f"{registration._soticket_resale_url()}?result=withdrawn")

    # ------------------------------------------------------------------ buying
    def _unavailable(self, message, event=None):
        return request.render("soticket_resale.resale_message_page", {
            "title": request.env._("Resale ticket unavailable"),
            "message": message,
            "alert": "warning",
            "back_url": event and event.website_url,
        }, status=409)

    @http.route("/soticket/resale/buy/<int:listing_id>", type="http", auth="public", website=True,
                methods=["POST"], sitemap=False)
    def resale_buy(self, listing_id, **post):
        listing = request.env["soticket.resale.listing"].sudo().browse(listing_id).exists()
        if not listing or not listing.event_id.website_published:
            return request.not_found()
        return self._add_to_cart(listing)

    def _add_to_cart(self, listing, waitlist=None):
        cart = request.website.sale_get_order()
        reason = listing._soticket_unavailable_reason(order=cart or None, waitlist=waitlist)
        if reason:
            return self._unavailable(reason, listing.event_id)
        try:
            with request.env.cr.savepoint():
                cart = request.website.sale_get_order(force_create=True)
                cart._soticket_resale_add(listing, waitlist=waitlist)
        except (UserError, ValidationError) as error:
            return self._unavailable(error.args[0], listing.event_id)
        return request.redirect("/shop/cart")

    # ------------------------------------------------------------------ waiting list
    @http.route("/soticket/resale/waitlist/join", type="http", auth="public", website=True, methods=["POST"],
                sitemap=False)
    def waitlist_join(self, event_ticket_id=None, email=None, name=None, **post):
        try:
            category_id = int(event_ticket_id or 0)
        except ValueError:
            category_id = 0
        category = request.env["event.event.ticket"].sudo().browse(category_id).exists()
        if not category or not category.event_id.website_published:
            return request.not_found()
        partner = request.env.user.partner_id if not request.env.user._is_public() else None
        email = email or (partner and partner.email)
        # The address of the visitor's own account needs no confirmation; any other one does.
        confirmed = bool(partner and partner.email and email
                         and tools.email_normalize(partner.email) == tools.email_normalize(email))
        try:
            with request.env.cr.savepoint():
                entry, created = request.env["soticket.resale.waitlist"].sudo()._soticket_join(
                    category, email, name=name or (partner and partner.name) or "", partner=partner,
                    lang=request.env.lang, ip=request.httprequest.remote_addr, confirmed=confirmed)
        except UserError as error:
            return request.render("soticket_resale.resale_message_page", {
                "title": request.env._("Waiting list"), "message": error.args[0], "alert": "warning",
                "back_url": category.event_id.website_url}, status=400)
        if entry.state == "pending":
            return request.render("soticket_resale.waitlist_confirm_sent_page", {"entry": entry})
        return request.render("soticket_resale.waitlist_joined_page", {
            "entry": entry, "created": created, "rank": entry._soticket_rank()})

    @http.route("/soticket/resale/waitlist/<int:waitlist_id>/<string:token>/leave", type="http", auth="public",
                website=True, methods=["GET", "POST"], sitemap=False)
    def waitlist_leave(self, waitlist_id, token, **post):
        """The signed link of an entry: a GET asks for confirmation (link checkers leave nothing), a POST leaves."""
        entry = request.env["soticket.resale.waitlist"].sudo().browse(waitlist_id).exists()
        if not entry or not entry._soticket_check_leave_token(token):
            return self._forged()
        if request.httprequest.method == "POST":
            with request.env.cr.savepoint():
                entry._soticket_leave()
            return request.render("soticket_resale.resale_message_page", {
                "title": request.env._("Waiting list"),
                "message": request.env._("You are no longer on the waiting list for this category."),
                "alert": "success", "back_url": entry.event_id.website_url})
        return request.render("soticket_resale.waitlist_leave_page", {"entry": entry, "token": token})

    @http.route("/soticket/resale/offer/<int:waitlist_id>/<string:token>", type="http", auth="public",
                website=True, methods=["GET", "POST"], sitemap=False)
    def waitlist_offer(self, waitlist_id, token, **post):
        entry = request.env["soticket.resale.waitlist"].sudo().browse(waitlist_id).exists()
        if not entry or not entry._soticket_check_offer_token(token):
            return self._forged()
        listing = entry.offer_listing_id
        if entry.state != "offered" or not listing._soticket_offer_live():
            return request.render("soticket_resale.resale_message_page", {
                "title": request.env._("Offer no longer valid"),
                "message": request.env._("This offer has lapsed or the ticket is no longer on sale."),
                "alert": "warning", "back_url": entry.event_id.website_url}, status=410)
        if request.httprequest.method == "POST":
            return self._add_to_cart(listing, waitlist=entry)
        # A GET only shows the offer: e-mail link checkers must not put the ticket in their own cart.
        return request.render("soticket_resale.waitlist_offer_page", {"entry": entry, "listing": listing,
                                                                       "token": token})

    # ------------------------------------------------------------------ waiting list: address confirmation
    @http.route("/soticket/resale/waitlist/<int:waitlist_id>/<string:token>/confirm", type="http", auth="public",
                website=True, methods=["GET", "POST"], sitemap=False)
    def waitlist_confirm(self, waitlist_id, token, **post):
        """The e-mailed link: a GET asks for confirmation (link checkers confirm nothing), a POST confirms."""
        entry = request.env["soticket.resale.waitlist"].sudo().browse(waitlist_id).exists()
        if not entry or not entry._soticket_check_confirm_token(token):
            return self._forged()
        if entry.state == "pending" and request.httprequest.method == "POST":
            with request.env.cr.savepoint():
                entry._soticket_confirm()
        if entry.state == "pending":
            return request.render("soticket_resale.waitlist_confirm_page", {"entry": entry, "token": token})
        if entry.state not in ("waiting", "offered"):
            return request.render("soticket_resale.resale_message_page", {
                "title": request.env._("Waiting list"),
                "message": request.env._("This place on the waiting list is no longer open."),
                "alert": "warning", "back_url": entry.event_id.website_url}, status=410)
        return request.render("soticket_resale.waitlist_joined_page", {
            "entry": entry, "created": True, "rank": entry._soticket_rank()})
