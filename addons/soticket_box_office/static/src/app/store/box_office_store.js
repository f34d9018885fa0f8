// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { RPCError } from "@web/core/network/rpc";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";
import { EventRegistrationPopup } from "@pos_event/app/popup/event_registration_popup/event_registration_popup";

const SEATS_REFRESH_DELAY = 300; // ms: several registrations change in one sale, one refresh is enough

patch(PosStore.prototype, {
    async setup() {
        this.soticketSeats = { events: {}, tickets: {} };
        await super.setup(...arguments);
        this.soticketSetSeats(this.session?._soticket_seats);
        this.data.connectWebSocket("SOTICKET_BOX_OFFICE_SEATS", (seats) => this.soticketSetSeats(seats));
    },

    // ------------------------------------------------------------------ seats and allotment
    soticketSetSeats(seats) {
        if (seats && (!seats.session_id || seats.session_id === this.session?.id)) {
            // A push about some events only: merge it into what we know.
            this.soticketSeats = {
                session_id: seats.session_id,
                events: { ...this.soticketSeats.events, ...seats.events },
                tickets: { ...this.soticketSeats.tickets, ...seats.tickets },
            };
        }
    },
    async soticketRefreshSeats() {
        if (this.data.network.offline || !this.session?.id) {
            return;
        }
        try {
            const seats = await this.data.call("pos.session", "soticket_box_office_seats", [
                [this.session.id],
            ]);
            this.soticketSeats = { events: {}, tickets: {} };
            this.soticketSetSeats(seats);
        } catch (error) {
            console.warn("Box office: could not refresh the seats left", error);
        }
    },
    /** Tonight's ticket categories sold at the door, grouped by event. */
    get soticketTonight() {
        const seats = this.soticketSeats;
        const byEvent = new Map();
        for (const ticket of this.models["event.event.ticket"].getAll()) {
            const event = ticket.event_id;
            if (!event || !ticket.product_id || !seats.tickets?.[ticket.id] || !seats.events?.[event.id]?.tonight) {
                continue;
            }
            if (!byEvent.has(event.id)) {
                byEvent.set(event.id, { event, tickets: [], invitation: null });
            }
            const group = byEvent.get(event.id);
            group.tickets.push(ticket);
            if (ticket.category_kind === "invitation" && !group.invitation) {
                group.invitation = ticket;
            }
        }
        const groups = [...byEvent.values()];
        for (const group of groups) {
            group.tickets.sort((a, b) => b.price - a.price || a.id - b.id);
        }
        return groups.sort((a, b) => a.event.id - b.event.id);
    },
    /** Tickets not on the server yet (current order, orders paid offline): {ticketId: qty}. */
    soticketUnsyncedTickets() {
        const counts = {};
        for (const order of this.models["pos.order"].getAll()) {
            const synced =
                typeof order.id === "number" &&
                !this.pendingOrder.create.has(order.id) &&
                !this.pendingOrder.write.has(order.id);
            if (synced || order.state === "cancel") {
                continue;
            }
            for (const line of order.lines) {
                if (line.event_ticket_id && line.qty > 0) {
                    counts[line.event_ticket_id.id] = (counts[line.event_ticket_id.id] || 0) + line.qty;
                }
            }
        }
        return counts;
    },
    /** How many more tickets of ``ticket`` the register may sell offline: its allotment only. */
    soticketOfflineLeft(ticket) {
        const seats = this.soticketSeats;
        const event = ticket.event_id;
        const eventAllotment = seats.events?.[event.id]?.allotment_left || 0;
        const pending = this.soticketUnsyncedTickets();
        let overflow = 0;
        for (const [ticketId, info] of Object.entries(seats.tickets || {})) {
            if (info.event_id !== event.id || Number(ticketId) === ticket.id) {
                continue;
            }
            overflow += Math.max((pending[ticketId] || 0) - (info.allotment_left || 0), 0);
        }
        const own = seats.tickets?.[ticket.id]?.allotment_left || 0;
        return Math.max(own + eventAllotment - overflow - (pending[ticket.id] || 0), 0);
    },
    /** How many more the register may sell while online (null: no limit). */
    soticketOnlineLeft(ticket) {
        const info = this.soticketSeats.tickets?.[ticket.id];
        if (!info || info.left === null || info.left === undefined) {
            return null;
        }
        return Math.max(info.left - (this.soticketUnsyncedTickets()[ticket.id] || 0), 0);
    },
    soticketLeft(ticket) {
        return this.data.network.offline
            ? this.soticketOfflineLeft(ticket)
            : this.soticketOnlineLeft(ticket);
    },
    soticketRefusal(ticket, qty) {
        if (this.data.network.offline) {
            const left = this.soticketOfflineLeft(ticket);
            if (qty > left) {
                return _t(
                    "The connection is lost: this register can only sell the seats set aside for it (%(left)s left for %(ticket)s). Reconnect to sell more.",
                    { left, ticket: ticket.name }
                );
            }
            return null;
        }
        const left = this.soticketOnlineLeft(ticket);
        if (left !== null && qty > left) {
            return _t("Sold out: %(left)s seat(s) left for %(ticket)s (%(event)s).", {
                left,
                ticket: ticket.name,
                event: ticket.event_id.name,
            });
        }
        return null;
    },

    // ------------------------------------------------------------------ selling
    /**
     * One tap on a category: add ``qty`` tickets to the current order, each with its
     * registration. Attendee questions, if the event has any, are asked as in pos_event.
     */
    async soticketSellTicket(ticket, { qty = 1, reason = false, name = false, guest = false } = {}) {
        const refusal = this.soticketRefusal(ticket, qty);
        if (refusal) {
            this.dialog.add(AlertDialog, { title: _t("Cannot sell this ticket"), body: refusal });
            return false;
        }
        const event = ticket.event_id;
        let answers = null;
        if (event.question_ids?.length) {
            answers = await makeAwaitable(this.dialog, EventRegistrationPopup, {
                event,
                data: [{ product_id: ticket.product_id, ticket_id: ticket, qty }],
            });
            if (!answers) {
                return false;
            }
        }
        const line = await this.addLineToCurrentOrder(
            {
                product_id: ticket.product_id,
                price_unit: ticket.price,
                qty,
                event_ticket_id: ticket,
            },
            {},
            false
        );
        if (!line) {
            return false;
        }
        const perTicket = answers?.byRegistration?.[ticket.id] || [];
        for (let index = 0; index < qty; index++) {
            this.models["event.registration"].create({
                event_id: event,
                event_ticket_id: ticket,
                pos_order_line_id: line,
                partner_id: this.get_order().partner_id,
                ...(name ? { name } : {}),
                ...(reason ? { invitation_reason: reason } : {}),
                ...(guest ? { guest_list_id: guest } : {}),
                ...this.soticketAnswerValues(perTicket[index] || {}, answers?.byOrder || {}),
            });
        }
        return line;
    },
    soticketAnswerValues(perTicket, perOrder) {
        const values = {};
        const textAnswers = [];
        const choiceAnswers = [];
        for (const [questionId, answer] of Object.entries({ ...perOrder, ...perTicket })) {
            const question = this.models["event.question"].get(parseInt(questionId));
            if (!question || !answer) {
                continue;
            }
            if (["name", "email", "phone"].includes(question.question_type)) {
                values[question.question_type] = answer;
            }
            if (question.question_type === "simple_choice") {
                const choice = this.models["event.question.answer"].get(parseInt(answer));
                if (choice) {
                    choiceAnswers.push(["create", { question_id: question, value_answer_id: choice }]);
                }
            } else {
                textAnswers.push(["create", { question_id: question, value_text_box: answer }]);
            }
        }
        if (!textAnswers.length && !choiceAnswers.length) {
            return values;
        }
        return {
            ...values,
            registration_answer_ids: textAnswers,
            registration_answer_choice_ids: choiceAnswers,
        };
    },

    // ------------------------------------------------------------------ after synchronisation
    async syncAllOrders(options = {}) {
        let result;
        try {
            result = await super.syncAllOrders(...arguments);
        } catch (error) {
            this.soticketForgetRefusedOrders(error);
            throw error;
        }
        if (result instanceof Error) {
            this.soticketForgetRefusedOrders(result);
        } else if (Array.isArray(result) && result.length) {
            await this.soticketLoadTickets(result);
            this.soticketRefreshSeats();
        }
        return result;
    },
    /**
     * A refused order (sold out, allotment, guest list) must not block the queue: it is
     * taken out and goes back in when the cashier validates it again.
     */
    soticketForgetRefusedOrders(error) {
        const uuids = (error instanceof RPCError && error.data?.context?.soticket_refused_order_uuids) || [];
        for (const uuid of uuids) {
            const order = this.models["pos.order"].getBy("uuid", uuid);
            if (order) {
                this.removePendingOrder(order);
            }
        }
    },
    /** Codes and numbers exist once the order is on the server: read them back for the receipt. */
    async soticketLoadTickets(orders) {
        const withTickets = orders.filter(
            (order) =>
                typeof order.id === "number" &&
                order.lines.some((line) => line.event_ticket_id && line.qty > 0)
        );
        if (!withTickets.length || this.data.network.offline) {
            return;
        }
        try {
            const tickets = await this.data.call("pos.order", "soticket_receipt_tickets", [
                withTickets.map((order) => order.id),
            ]);
            for (const order of withTickets) {
                order.uiState.soticketTickets = tickets.filter(
                    (ticket) => ticket.pos_order_id === order.id
                );
            }
        } catch (error) {
            console.warn("Box office: could not load the tickets to print", error);
        }
    },
    async printReceipt({ order = this.get_order() } = {}) {
        // Reprints (orders screen) read the tickets again: a refunded one is no longer printed.
        if (order && typeof order.id === "number") {
            await this.soticketLoadTickets([order]);
        }
        return await super.printReceipt(...arguments);
    },
});
