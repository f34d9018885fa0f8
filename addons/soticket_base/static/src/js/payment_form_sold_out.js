/** @odoo-module **/
// Part of SoTicket. See LICENSE file for full copyright and licensing details.

import { RPCError } from "@web/core/network/rpc";
import PaymentForm from "@payment/js/payment_form";

PaymentForm.include({
    /**
     * The seats of the cart sold out while the buyer was on the payment page: the server
     * refused to start the payment (the cart is untouched). Go back to the cart, which
     * says which category is sold out and how many seats are left.
     *
     * @override
     */
    async _initiatePaymentFlow() {
        try {
            return await this._super(...arguments);
        } catch (error) {
            if (error instanceof RPCError && error.data?.context?.soticket_sold_out) {
                window.location = "/shop/cart";
                return;
            }
            throw error;
        }
    },
});
