/** @odoo-module **/
// Part of SoTicket. See LICENSE file for full copyright and licensing details.

import { _t } from "@web/core/l10n/translation";
import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * Cart and checkout: the time left before the seats of the cart stop being held.
 * The server gives the seconds left; when they run out, the page says so (the seats
 * are asked for again when the buyer goes on).
 */
publicWidget.registry.SoticketCartHold = publicWidget.Widget.extend({
    selector: ".o_soticket_cart_hold",

    start() {
        this.deadline = Date.now() + 1000 * parseInt(this.el.dataset.secondsLeft || "0", 10);
        this.timer = setInterval(() => this._tick(), 1000);
        return this._super(...arguments);
    },

    destroy() {
        clearInterval(this.timer);
        this._super(...arguments);
    },

    _tick() {
        const left = Math.max(0, Math.round((this.deadline - Date.now()) / 1000));
        const output = this.el.querySelector(".o_soticket_cart_hold_left");
        if (output) {
            output.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
        }
        if (!left) {
            clearInterval(this.timer);
            this.el.classList.replace("alert-info", "alert-warning");
            this.el.textContent = _t(
                "Your seats are no longer held: they will be asked for again when you go on."
            );
        }
    },
});
