// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { patch } from "@web/core/utils/patch";
import { OpeningControlPopup } from "@point_of_sale/app/store/opening_control_popup/opening_control_popup";

patch(OpeningControlPopup.prototype, {
    async confirm() {
        await super.confirm(...arguments);
        // The allotments are set aside when the session opens: show them at once.
        await this.pos.soticketRefreshSeats();
    },
});
