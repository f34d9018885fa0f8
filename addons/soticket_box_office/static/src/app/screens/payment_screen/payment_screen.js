// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { ask } from "@point_of_sale/app/store/make_awaitable_dialog";

patch(PaymentScreen.prototype, {
    async validateOrder(isForceValidate) {
        if (!(await this.soticketConfirmTicketRefund(this.currentOrder))) {
            return;
        }
        return await super.validateOrder(...arguments);
    },
    /**
     * A ticket refund revokes its code at once, so it needs the connection; refunding a
     * ticket already admitted at the door needs a staff member's confirmation.
     */
    async soticketConfirmTicketRefund(order) {
        const refundLines = order.lines.filter(
            (line) => line.qty < 0 && line.refunded_orderline_id?.event_ticket_id
        );
        if (!refundLines.length || order.soticket_confirm_admitted_refund) {
            return true;
        }
        if (this.pos.data.network.offline) {
            this.dialog.add(AlertDialog, {
                title: _t("Connection needed"),
                body: _t(
                    "Refunding tickets needs the connection: their codes must be revoked at once so the door refuses them."
                ),
            });
            return false;
        }
        const check = await this.pos.data.call("pos.order", "soticket_check_ticket_refund", [
            refundLines.map((line) => [line.refunded_orderline_id.id, -line.qty]),
        ]);
        if (!check.admitted.length) {
            return true;
        }
        const confirmed = await ask(this.dialog, {
            title: _t("Refund tickets already admitted?"),
            body: _t(
                "%(count)s ticket(s) were already admitted at the door: %(tickets)s. A staff member must confirm this refund; the codes will be revoked.",
                {
                    count: check.admitted.length,
                    tickets: check.admitted.map((ticket) => ticket.name).join(", "),
                }
            ),
            confirmLabel: _t("Staff confirms the refund"),
            cancelLabel: _t("Cancel"),
        });
        if (confirmed) {
            order.soticket_confirm_admitted_refund = true;
        }
        return confirmed;
    },
});
