// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";

export const INVITATION_REASONS = [
    ["press", _t("Press")],
    ["artist", _t("Artist")],
    ["partner", _t("Partner")],
    ["other", _t("Other")],
];

/** A free invitation ticket needs a reason (and, better, the guest's name). */
export class InvitationPopup extends Component {
    static template = "soticket_box_office.InvitationPopup";
    static components = { Dialog };
    static props = ["ticket", "getPayload", "close"];

    setup() {
        this.reasons = INVITATION_REASONS;
        this.state = useState({ reason: "", name: "", qty: 1 });
    }
    get title() {
        return _t("Invitation: %s", this.props.ticket.event_id.name);
    }
    confirm() {
        if (!this.state.reason) {
            return;
        }
        this.props.getPayload({
            reason: this.state.reason,
            name: this.state.name.trim() || false,
            qty: Math.max(parseInt(this.state.qty) || 1, 1),
        });
        this.props.close();
    }
}
