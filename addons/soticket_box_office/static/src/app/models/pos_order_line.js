// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { patch } from "@web/core/utils/patch";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";

patch(PosOrderline.prototype, {
    /** A ticket line reads "Event - Category" on the order and the receipt, refunds included. */
    set_full_product_name() {
        const ticket = this.event_ticket_id || this.refunded_orderline_id?.event_ticket_id;
        if (ticket?.event_id) {
            this.full_product_name = `${ticket.event_id.name} - ${ticket.name}`;
            return;
        }
        return super.set_full_product_name(...arguments);
    },
});
