// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { Component } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";
import { InvitationPopup } from "../../popups/invitation_popup";
import { GuestListPopup } from "../../popups/guest_list_popup";

/** Tonight's ticket categories as one-tap tiles, with seats and allotment left. */
export class BoxOfficePanel extends Component {
    static template = "soticket_box_office.BoxOfficePanel";
    static props = {};

    setup() {
        this.pos = usePos();
        this.dialog = useService("dialog");
    }
    get groups() {
        return this.pos.soticketTonight;
    }
    get offline() {
        return this.pos.data.network.offline;
    }
    left(ticket) {
        return this.pos.soticketLeft(ticket);
    }
    allotmentLeft(ticket) {
        const seats = this.pos.soticketSeats;
        const info = seats.tickets?.[ticket.id];
        const eventInfo = seats.events?.[ticket.event_id.id];
        if (!info?.allotment && !eventInfo?.allotment) {
            return null;
        }
        return this.pos.soticketOfflineLeft(ticket);
    }
    async onTap(ticket) {
        if (ticket.category_kind === "invitation") {
            const payload = await makeAwaitable(this.dialog, InvitationPopup, { ticket });
            if (payload) {
                await this.pos.soticketSellTicket(ticket, payload);
            }
            return;
        }
        await this.pos.soticketSellTicket(ticket);
    }
    async openGuestList(group) {
        const payload = await makeAwaitable(this.dialog, GuestListPopup, {
            event: group.event,
            ticket: group.invitation,
        });
        if (payload && group.invitation) {
            await this.pos.soticketSellTicket(group.invitation, {
                qty: payload.qty,
                reason: payload.guest.reason,
                name: payload.guest.name,
                guest: payload.guest,
            });
        }
    }
}
