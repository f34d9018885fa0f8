// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { onWillDestroy } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { useService } from "@web/core/utils/hooks";

/** Colour of a scan result: green lets the holder through, orange asks to look, red refuses. */
export function resultTone(result) {
    if (["admitted", "exit_recorded"].includes(result)) {
        return "success";
    }
    if (["already_in", "not_open_yet"].includes(result)) {
        return "warning";
    }
    return "danger";
}

/** "20:31:05", in the browser's language. */
export function clockTime(date = new Date()) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

let nonceCounter = 0;

/** A new idempotency key per scan (sent again when the request is retried). */
export function newNonce() {
    nonceCounter += 1;
    const random = browser.crypto?.randomUUID
        ? browser.crypto.randomUUID()
        : Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
    return `web-${Date.now().toString(36)}-${nonceCounter}-${random}`;
}

/** Call ``func`` at once, then at most once per ``delay`` ms while calls keep coming. */
export function throttle(func, delay) {
    let timer = null;
    let pending = false;
    const throttled = () => {
        if (timer) {
            pending = true;
            return;
        }
        func();
        timer = browser.setTimeout(() => {
            timer = null;
            if (pending) {
                pending = false;
                throttled();
            }
        }, delay);
    };
    throttled.cancel = () => {
        browser.clearTimeout(timer);
        timer = null;
        pending = false;
    };
    return throttled;
}

// Components following each channel in this tab: the bus keeps one channel list per
// tab, and a page opened from another one mounts before the first one unmounts.
const followers = new Map();

function addFollower(bus, channel) {
    followers.set(channel, (followers.get(channel) || 0) + 1);
    if (followers.get(channel) === 1) {
        bus.addChannel(channel);
    }
}

function removeFollower(bus, channel) {
    const count = (followers.get(channel) || 0) - 1;
    if (count > 0) {
        followers.set(channel, count);
    } else {
        followers.delete(channel);
        bus.deleteChannel(channel);
    }
}

/**
 * Follow the door notifications of one event over the bus (``soticket_scan`` for every
 * scan at any gate, ``soticket_ticket`` when tickets change). ``onChange(type, payload)``
 * is called for each; ``follow(channel)`` switches to another event's channel.
 */
export function useDoorBus(onChange) {
    const bus = useService("bus_service");
    let channel = null;
    const onScan = (payload) => onChange("soticket_scan", payload);
    const onTicket = (payload) => onChange("soticket_ticket", payload);
    bus.subscribe("soticket_scan", onScan);
    bus.subscribe("soticket_ticket", onTicket);
    onWillDestroy(() => {
        bus.unsubscribe("soticket_scan", onScan);
        bus.unsubscribe("soticket_ticket", onTicket);
        if (channel) {
            removeFollower(bus, channel);
        }
    });
    return {
        follow(newChannel) {
            if (newChannel === channel) {
                return;
            }
            if (channel) {
                removeFollower(bus, channel);
            }
            channel = newChannel;
            if (channel) {
                addFollower(bus, channel);
            }
        },
    };
}

const STORAGE_KEY = "soticket_scanner.door";

/** What this browser last chose on the door page (event, gate, direction). */
export function loadDoorChoice() {
    try {
        return JSON.parse(browser.localStorage.getItem(STORAGE_KEY) || "{}") || {};
    } catch {
        return {};
    }
}

export function saveDoorChoice(choice) {
    browser.localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...loadDoorChoice(), ...choice }));
}
