// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { Component, onWillStart, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { INVITATION_REASONS } from "./invitation_popup";

/** Tonight's guest list of an event: tapping a guest issues their invitation ticket(s). */
export class GuestListPopup extends Component {
    static template = "soticket_box_office.GuestListPopup";
    static components = { Dialog };
    static props = ["event", "ticket", "getPayload", "close"];

    setup() {
        this.pos = usePos();
        this.state = useState({ search: "", qty: {} });
        this.reasonLabels = Object.fromEntries(INVITATION_REASONS);
        onWillStart(async () => {
            if (!this.pos.data.network.offline) {
                try {
                    // Fresh check-in counts: another register may have let the guest in.
                    await this.pos.data.searchRead("soticket.guest.list", [
                        ["event_id", "=", this.props.event.id],
                    ]);
                } catch (error) {
                    console.warn("Box office: could not refresh the guest list", error);
                }
            }
        });
    }
    get title() {
        return _t("Guest list: %s", this.props.event.name);
    }
    get guests() {
        const search = this.state.search.trim().toLowerCase();
        return this.pos.models["soticket.guest.list"]
            .filter((guest) => guest.event_id?.id === this.props.event.id)
            .filter(
                (guest) =>
                    !search ||
                    guest.name.toLowerCase().includes(search) ||
                    (guest.invited_by || "").toLowerCase().includes(search)
            )
            .sort((a, b) => a.name.localeCompare(b.name));
    }
    /** Places left, the invitations already in unsynchronised orders deducted. */
    placesLeft(guest) {
        const pending = this.pos.models["event.registration"].filter(
            (registration) =>
                registration.guest_list_id?.id === guest.id &&
                typeof registration.id !== "number"
        ).length;
        return Math.max((guest.remaining ?? guest.places) - pending, 0);
    }
    quantity(guest) {
        return Math.min(this.state.qty[guest.id] || 1, this.placesLeft(guest));
    }
    changeQuantity(guest, delta) {
        const qty = (this.state.qty[guest.id] || 1) + delta;
        this.state.qty[guest.id] = Math.max(1, Math.min(qty, this.placesLeft(guest)));
    }
    checkIn(guest) {
        const qty = this.quantity(guest);
        if (!qty) {
            return;
        }
        this.props.getPayload({ guest, qty });
        this.props.close();
    }
}
