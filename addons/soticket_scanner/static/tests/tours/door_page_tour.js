// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

function callKw(model, method, args, kwargs = {}) {
    return rpc(`/web/dataset/call_kw/${model}/${method}`, { model, method, args, kwargs });
}

async function ticketCode(holder) {
    const [ticket] = await callKw("event.registration", "search_read", [[["name", "=", holder]], ["ticket_code"]]);
    if (!ticket?.ticket_code) {
        throw new Error(`no ticket code for ${holder}`);
    }
    return ticket.ticket_code;
}

/** Type a code into the door input like a keyboard-wedge scanner: the text, then Enter. */
function typeCode(content, codeOf) {
    return {
        content,
        trigger: ".o_soticket_door_input",
        async run(helpers) {
            await helpers.edit(await codeOf());
            await helpers.press("Enter");
        },
    };
}

registry.category("web_tour.tours").add("soticket_door_page", {
    steps: () => [
        {
            content: "choose tonight's concert",
            trigger: ".o_soticket_door_event:contains(Concert ce soir)",
            run: "click",
        },
        {
            content: "choose the main door",
            trigger: ".o_soticket_door_gate:contains(Main door)",
            run: "click",
        },
        {
            content: "an entry-only gate scans in",
            trigger: ".o_soticket_door_direction_in.btn-primary",
        },
        {
            content: "start scanning",
            trigger: ".o_soticket_door_start:enabled",
            run: "click",
        },
        {
            content: "nobody is inside yet",
            trigger: ".o_soticket_door_count_present:contains(0)",
        },
        typeCode("scan Tour Holder's ticket", () => ticketCode("Tour Holder")),
        {
            content: "green: admitted, with the holder's name and category",
            trigger:
                ".o_soticket_door_result.text-bg-success:contains(Admitted):contains(Tour H.):contains(Plein tarif)",
        },
        {
            content: "the counters follow",
            trigger: ".o_soticket_door_count_present:contains(1)",
        },
        typeCode("scan the same ticket again", () => ticketCode("Tour Holder")),
        {
            content: "orange: already inside",
            trigger: ".o_soticket_door_result.text-bg-warning:contains(Already inside)",
        },
        typeCode("scan garbage", async () => "NOT A TICKET 123"),
        {
            content: "red: invalid",
            trigger: ".o_soticket_door_result.text-bg-danger:contains(Invalid):contains(Unreadable code)",
        },
        {
            content: "the last scans are listed, newest first",
            trigger: ".o_soticket_door_history li:first:contains(Invalid)",
        },
        {
            content: "open the live attendance of the event",
            trigger: ".o_soticket_door_attendance",
            run: "click",
        },
        {
            content: "one person is present",
            trigger: ".o_soticket_attendance_present:contains(1)",
        },
        {
            content: "one of the two tickets has not arrived yet",
            trigger: ".o_soticket_attendance_not_arrived:contains(1)",
        },
        {
            content: "the main door counts one entry",
            trigger: ".o_soticket_attendance_gates tr:contains(Main door) .o_soticket_gate_entries:contains(1)",
        },
        {
            content: "and two refused scans (already inside, garbage)",
            trigger: ".o_soticket_attendance_gates tr:contains(Main door) .o_soticket_gate_refused:contains(2)",
        },
        {
            content: "another door scans the second ticket",
            trigger: ".o_soticket_attendance_gates tr:contains(Side door)",
            async run() {
                const [gate] = await callKw("soticket.scanner.gate", "search_read", [
                    [["name", "=", "Side door"], ["event_id.name", "=", "Concert ce soir"]],
                    ["id"],
                ]);
                const code = await ticketCode("Second Holder");
                await callKw("soticket.admission", "door_scan", [gate.id, code, "in", "tour-side-door"]);
            },
        },
        {
            content: "pushed over the bus: two people present now",
            trigger: ".o_soticket_attendance_present:contains(2)",
        },
        {
            content: "the side door scan is in the latest scans",
            trigger: ".o_soticket_attendance_recent li:contains(Side door):contains(Admitted)",
        },
        {
            content: "and in the side door's row",
            trigger: ".o_soticket_attendance_gates tr:contains(Side door) .o_soticket_gate_present:contains(1)",
        },
    ],
});
