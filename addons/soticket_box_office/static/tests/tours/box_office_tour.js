// Part of SoTicket. See LICENSE file for full copyright and licensing details.
import { registry } from "@web/core/registry";
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";

function tapTicket(name) {
    return [
        {
            content: `tap the "${name}" tile`,
            trigger: `.o_soticket_tile[data-ticket='${name}']`,
            run: "click",
        },
    ];
}

function receiptShowsTickets(count) {
    const ticket = ".receipt-screen .pos-receipt .soticket-receipt-ticket";
    return [
        {
            content: `the receipt prints ${count} tickets`,
            trigger: `${ticket} img.soticket-qr[src^='data:image/png']`,
            run() {
                const tickets = document.querySelectorAll(ticket);
                if (tickets.length !== count) {
                    throw new Error(`${tickets.length} tickets on the receipt, ${count} expected`);
                }
                for (const element of tickets) {
                    const qr = element.querySelector("img.soticket-qr");
                    if (!qr || !qr.complete || !qr.naturalWidth) {
                        throw new Error("a ticket's QR code is missing or did not load");
                    }
                    const number = element.querySelector(".soticket-number")?.textContent.trim();
                    const code = element.querySelector(".soticket-code")?.textContent.trim();
                    if (!/^\d{6}$/.test(number || "") || (code || "").length < 20) {
                        throw new Error(`ticket number "${number}" or code "${code}" missing`);
                    }
                }
            },
        },
    ];
}

registry.category("web_tour.tours").add("SoticketBoxOfficeTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "tonight's categories are on tiles, with the seats left",
                trigger: ".o_soticket_tile[data-ticket='Door full price'] .o_soticket_left:contains('8')",
            },
            tapTicket("Door full price"),
            tapTicket("Door full price"),
            ProductScreen.totalAmountIs("40.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptShowsTickets(2),
            ReceiptScreen.clickNextOrder(),
            {
                content: "the seats left follow the sale",
                trigger: ".o_soticket_tile[data-ticket='Door full price'] .o_soticket_left:contains('6')",
            },

            // Refund one of the two tickets.
            Chrome.clickMenuOption("Orders"),
            TicketScreen.selectFilter("All active orders"),
            TicketScreen.selectFilter("Paid"),
            TicketScreen.selectOrder("-0001"),
            ProductScreen.clickNumpad("1"),
            TicketScreen.confirmRefund(),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),
            {
                content: "the refunded seat is back on sale",
                trigger: ".o_soticket_tile[data-ticket='Door full price'] .o_soticket_left:contains('7')",
            },

            // A guest of the press on tonight's guest list comes in with a free invitation.
            {
                content: "open tonight's guest list",
                trigger: ".o_soticket_event .o_soticket_guest_list_button",
                run: "click",
            },
            {
                content: "check the guest in",
                trigger: ".o_soticket_guest[data-guest='Lou Martin'] .o_soticket_check_in",
                run: "click",
            },
            ProductScreen.totalAmountIs("0.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptShowsTickets(1),
            {
                content: "the invitation is printed as such, with its reason",
                trigger: ".pos-receipt .soticket-receipt-ticket .soticket-price:contains('Invitation')",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("SoticketBoxOfficeOfflineTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "the session got its allotment when it opened",
                trigger: ".o_soticket_tile[data-ticket='Door full price'] .o_soticket_allotment_left:contains('1')",
            },
            {
                content: "the network goes down",
                trigger: ".o_soticket_tile[data-ticket='Door full price']",
                run() {
                    window.posmodel.data.network.offline = true;
                },
            },
            {
                content: "the register says it sells its allotment only",
                trigger: ".o_soticket_event .badge:contains('Offline')",
            },
            tapTicket("Door full price"),
            {
                content: "the allotment left counts the ticket in the order",
                trigger: ".o_soticket_tile[data-ticket='Door full price'] .o_soticket_allotment_left:contains('0')",
            },
            tapTicket("Door full price"),
            Dialog.is({ title: "Cannot sell this ticket" }),
            Dialog.confirm("Ok"),
            ProductScreen.totalAmountIs("20.00"),
            {
                content: "the network comes back",
                trigger: ".o_soticket_event .badge:contains('Offline')",
                run() {
                    window.posmodel.data.network.offline = false;
                },
            },
            {
                content: "online again: the badge is gone",
                trigger: ".o_soticket_event:not(:has(.badge))",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank", true, { remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptShowsTickets(1),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
