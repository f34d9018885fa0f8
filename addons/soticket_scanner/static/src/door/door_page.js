// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { Component, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { scanBarcode } from "@web/core/barcode/barcode_dialog";
import { isBarcodeScannerSupported } from "@web/core/barcode/barcode_video_scanner";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { ConnectionLostError } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import {
    clockTime,
    loadDoorChoice,
    newNonce,
    resultTone,
    saveDoorChoice,
    throttle,
    useDoorBus,
} from "./door_tools";

const HISTORY_SIZE = 8;
const RETRY_DELAYS = [1000, 2000, 4000];

/**
 * The door page: pick an event, a gate and a direction, then scan. A keyboard-wedge
 * scanner types the code into the big input and presses Enter; the camera button uses
 * the browser's barcode detection. Each scan is decided on the server (door_scan).
 */
export class DoorPage extends Component {
    static template = "soticket_scanner.DoorPage";
    static props = { ...standardActionServiceProps };

    setup() {
        this.action = useService("action");
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.inputRef = useRef("codeInput");
        this.cameraSupported = isBarcodeScannerSupported();
        // On phones and tablets the focused input would keep the on-screen keyboard up.
        this.touchScreen = browser.matchMedia?.("(pointer: coarse)").matches || false;
        this.state = useState({
            events: [],
            eventId: null,
            gateId: null,
            direction: "in",
            scanning: false,
            pending: 0,
            last: null,
            history: [],
            counters: null,
        });
        this.queue = Promise.resolve();
        // Scans made here: their answer already brought the new counters.
        this.ownScans = new Set();
        this.refreshCounters = throttle(() => this.loadCounters(), 1000);
        this.doorBus = useDoorBus((type, payload) => {
            if (type === "soticket_ticket") {
                this.refreshCounters();
            } else if (
                !this.ownScans.has(payload.scan_id) &&
                this.gates.some((g) => g.id === payload.gate_id)
            ) {
                this.refreshCounters();
            }
        });

        onWillStart(async () => {
            const { events } = await this.orm.call("soticket.admission", "door_setup", []);
            this.state.events = events;
            const context = this.props.action.context || {};
            const saved = loadDoorChoice();
            const eventId = context.event_id || saved.eventId;
            const event =
                events.find((e) => e.id === eventId) || (events.length === 1 && events[0]);
            if (event) {
                this.selectEvent(event.id);
                if (event.gates.some((g) => g.id === saved.gateId)) {
                    this.selectGate(saved.gateId);
                    if (this.allowedDirections.includes(saved.direction)) {
                        this.state.direction = saved.direction;
                    }
                }
            }
        });
        onWillUnmount(() => this.refreshCounters.cancel());
    }

    get event() {
        return this.state.events.find((e) => e.id === this.state.eventId);
    }

    get gates() {
        return this.event?.gates || [];
    }

    get gate() {
        return this.gates.find((g) => g.id === this.state.gateId);
    }

    get allowedDirections() {
        const direction = this.gate?.direction;
        return direction === "both" ? ["in", "out"] : direction ? [direction] : [];
    }

    get directionLabel() {
        return this.state.direction === "out" ? _t("Exit") : _t("Entry");
    }

    /** Entries (or exits) recorded at this gate, by every scanner. */
    get gateCount() {
        const row = this.state.counters?.gates.find((g) => g.id === this.state.gateId);
        return (row && (this.state.direction === "out" ? row.exits : row.entries)) || 0;
    }

    get lastTone() {
        return this.state.last && (this.state.last.tone || resultTone(this.state.last.result));
    }

    selectEvent(eventId) {
        this.state.eventId = eventId;
        this.state.gateId = null;
        if (this.gates.length === 1) {
            this.selectGate(this.gates[0].id);
        }
    }

    selectGate(gateId) {
        this.state.gateId = gateId;
        if (!this.allowedDirections.includes(this.state.direction)) {
            this.state.direction = this.allowedDirections[0] || "in";
        }
    }

    selectDirection(direction) {
        this.state.direction = direction;
    }

    async start() {
        if (!this.gate) {
            return;
        }
        saveDoorChoice({
            eventId: this.state.eventId,
            gateId: this.state.gateId,
            direction: this.state.direction,
        });
        const data = await this.orm.call("soticket.admission", "door_attendance", [
            this.state.eventId,
        ]);
        this.state.counters = data.counters;
        this.state.last = null;
        this.state.history = [];
        this.state.scanning = true;
        this.doorBus.follow(data.channel);
        // The input is rendered by this state change: focus it once it is in the page.
        browser.setTimeout(() => this.focusInput(true), 0);
    }

    stop() {
        this.state.scanning = false;
        this.doorBus.follow(null);
    }

    openAttendance() {
        this.action.doAction("soticket_scanner.soticket_attendance_action", {
            additionalContext: { event_id: this.state.eventId },
        });
    }

    async loadCounters() {
        if (!this.state.scanning || !this.state.eventId) {
            return;
        }
        try {
            this.state.counters = await this.orm.silent.call(
                "soticket.admission",
                "door_counters",
                [this.state.eventId]
            );
        } catch (error) {
            if (!(error instanceof ConnectionLostError)) {
                throw error;
            }
            // Offline for a moment: the next notification or scan brings the figures.
        }
    }

    focusInput(force = false) {
        const input = this.inputRef.el;
        if (input && (force || !this.touchScreen) && document.activeElement !== input) {
            input.focus();
        }
    }

    onInputBlur() {
        // Keep the focus on the input, so that the next scan lands there (not in a dialog).
        browser.setTimeout(() => {
            if (this.state.scanning && !document.querySelector(".modal")) {
                this.focusInput();
            }
        }, 150);
    }

    onInputKeydown(ev) {
        if (ev.key !== "Enter") {
            return;
        }
        ev.preventDefault();
        const code = ev.target.value.trim();
        ev.target.value = "";
        if (code) {
            this.scan(code);
        }
    }

    async onCamera() {
        let code;
        try {
            code = await scanBarcode(this.env, "environment");
        } catch (error) {
            this.notification.add(error.message, { type: "danger" });
            return;
        }
        if (code) {
            this.scan(code);
        }
    }

    /** Queue a scan: scans are sent one after the other, in the order they were made. */
    scan(code) {
        const scan = {
            code,
            nonce: newNonce(),
            gateId: this.state.gateId,
            direction: this.state.direction,
        };
        this.state.pending++;
        this.queue = this.queue.then(() => this.send(scan)).finally(() => this.state.pending--);
        return this.queue;
    }

    async send(scan) {
        let outcome;
        for (let attempt = 0; ; attempt++) {
            try {
                outcome = await this.orm.silent.call("soticket.admission", "door_scan", [
                    scan.gateId,
                    scan.code,
                    scan.direction,
                    scan.nonce,
                ]);
                break;
            } catch (error) {
                if (error instanceof ConnectionLostError && attempt < RETRY_DELAYS.length) {
                    // Same nonce: if the server did get the first request, it answers from its log.
                    await new Promise((resolve) =>
                        browser.setTimeout(resolve, RETRY_DELAYS[attempt])
                    );
                    continue;
                }
                const message =
                    error instanceof ConnectionLostError
                        ? _t("No connection to the server: scan the ticket again.")
                        : error.data?.message || error.message;
                this.show({
                    result: "error",
                    tone: "danger",
                    label: _t("Not checked"),
                    message,
                });
                return;
            }
        }
        this.ownScans.add(outcome.scan_id);
        if (this.ownScans.size > 100) {
            this.ownScans.delete(this.ownScans.values().next().value);
        }
        if (outcome.counters) {
            this.state.counters = outcome.counters;
        }
        this.show({
            result: outcome.result,
            label: outcome.result_label,
            message: outcome.message,
            holder: outcome.ticket?.holder || "",
            category: outcome.ticket?.category?.name || "",
            number: outcome.ticket?.number || "",
        });
    }

    show(entry) {
        const tone = entry.tone || resultTone(entry.result);
        const shown = {
            ...entry,
            tone,
            key: newNonce(),
            time: clockTime(),
        };
        this.state.last = shown;
        this.state.history = [shown, ...this.state.history].slice(0, HISTORY_SIZE);
        if (tone !== "success" && "vibrate" in browser.navigator) {
            browser.navigator.vibrate(tone === "danger" ? [200, 100, 200] : 150);
        }
    }
}

registry.category("actions").add("soticket_scanner.door", DoorPage);
