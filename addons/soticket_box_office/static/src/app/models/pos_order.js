// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { patch } from "@web/core/utils/patch";
import { PosOrder } from "@point_of_sale/app/models/pos_order";

patch(PosOrder.prototype, {
    /** Tickets sold in this order, as counted on its lines (refund lines excluded). */
    get soticketTicketCount() {
        return this.lines
            .filter((line) => line.event_ticket_id && line.qty > 0)
            .reduce((total, line) => total + line.qty, 0);
    },
    export_for_printing(baseUrl, headerData) {
        const result = super.export_for_printing(...arguments);
        const tickets = this.uiState?.soticketTickets || [];
        result.soticketTickets = tickets;
        // Sold offline: the codes are signed by the server, the tickets print once it is reached.
        result.soticketTicketsPending = tickets.length ? 0 : this.soticketTicketCount;
        return result;
    },
});
