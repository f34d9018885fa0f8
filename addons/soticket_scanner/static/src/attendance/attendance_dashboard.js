// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { ConnectionLostError } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import {
    clockTime,
    loadDoorChoice,
    resultTone,
    saveDoorChoice,
    throttle,
    useDoorBus,
} from "../door/door_tools";

const RECENT_SIZE = 15;

/**
 * Live attendance of an event: in, out, present now and not yet arrived, for the event
 * and each gate. Loaded once, then re-read (at most once a second) whenever a scan or a
 * ticket change of the event arrives on the bus.
 */
export class AttendanceDashboard extends Component {
    static template = "soticket_scanner.AttendanceDashboard";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ events: [], eventId: null, data: null, recent: [] });
        this.refresh = throttle(() => this.loadCounters(), 1000);
        this.doorBus = useDoorBus((type, payload) => this.onNotification(type, payload));

        onWillStart(async () => {
            const { events } = await this.orm.call("soticket.admission", "door_setup", []);
            this.state.events = events;
            const context = this.props.action.context || {};
            const eventId =
                context.event_id ||
                (context.active_model === "event.event" && context.active_id) ||
                loadDoorChoice().eventId ||
                (events.length && events[0].id);
            if (eventId) {
                await this.selectEvent(eventId);
            }
        });
        onWillUnmount(() => this.refresh.cancel());
    }

    get totals() {
        return this.state.data?.counters.totals;
    }

    /** The followed event is not in the list (e.g. over, opened from its form). */
    get eventListed() {
        return this.state.events.some((e) => e.id === this.state.eventId);
    }

    get gates() {
        return this.state.data?.counters.gates || [];
    }

    directionLabel(direction) {
        return { in: _t("Entry"), out: _t("Exit"), both: _t("Entry and exit") }[direction] || "";
    }

    async selectEvent(eventId) {
        const data = await this.orm.call("soticket.admission", "door_attendance", [eventId]);
        this.state.eventId = eventId;
        this.state.data = data;
        this.state.recent = [];
        saveDoorChoice({ eventId });
        this.doorBus.follow(data.channel);
    }

    onEventChange(ev) {
        this.selectEvent(parseInt(ev.target.value));
    }

    async loadCounters() {
        const eventId = this.state.eventId;
        if (!eventId) {
            return;
        }
        let counters;
        try {
            counters = await this.orm.silent.call("soticket.admission", "door_counters", [eventId]);
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                return; // offline for a moment: the next notification brings the figures
            }
            throw error;
        }
        if (eventId === this.state.eventId) {
            this.state.data.counters = counters;
        }
    }

    onNotification(type, payload) {
        if (type === "soticket_scan") {
            const gate = this.gates.find((g) => g.id === payload.gate_id);
            if (!gate) {
                return; // another event's channel
            }
            const time = payload.scanned_at ? new Date(payload.scanned_at) : new Date();
            this.state.recent = [
                {
                    key: payload.scan_id,
                    gate: gate.name,
                    direction: payload.direction === "out" ? _t("Exit") : _t("Entry"),
                    label: this.state.data.results[payload.result] || payload.result,
                    tone: resultTone(payload.result),
                    time: clockTime(time),
                    conflict: payload.conflict,
                },
                ...this.state.recent,
            ].slice(0, RECENT_SIZE);
        }
        this.refresh();
    }
}

registry.category("actions").add("soticket_scanner.attendance", AttendanceDashboard);
