/** @odoo-module **/
// Part of SoTicket. See LICENSE file for full copyright and licensing details.

import { registry } from "@web/core/registry";

/**
 * A holder who cannot come opens the resale page of their e-ticket link (no account),
 * sees what they will receive (25.00 face value - 1.50 fee = 23.50) and lists the ticket.
 */
registry.category("web_tour.tours").add("soticket_resale_list", {
    steps: () => [
        {
            content: "The seller sees the amounts before committing",
            trigger: ".o_soticket_resale_amounts .o_soticket_resale_payout:contains(/23.50/)",
        },
        {
            content: "Put the ticket up for resale",
            trigger: "form.o_soticket_resale_list_form button.o_soticket_resale_list_button",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The ticket is on resale and stays valid until bought",
            trigger: ".o_soticket_resale_status[data-state=listed]",
        },
        {
            content: "It can be withdrawn until it is bought",
            trigger: "form.o_soticket_resale_withdraw_form button",
        },
    ],
});

/**
 * Another visitor finds the ticket in the "Resale" section of the sold-out event, buys it
 * at face value through the normal checkout and gets their own e-ticket.
 */
registry.category("web_tour.tours").add("soticket_resale_buy", {
    steps: () => [
        {
            content: "The resale section shows the ticket at face value",
            trigger: "#o_soticket_resale .o_soticket_resale_listing .o_soticket_resale_buyer_price:contains(/25.00/)",
        },
        {
            content: "Buy it",
            trigger: "#o_soticket_resale .o_soticket_resale_listing button.o_soticket_resale_buy",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The cart holds the resale ticket at face value",
            trigger: "#order_total .oe_currency_value:contains(/^25.00$/)",
        },
        {
            content: "Checkout",
            trigger: 'a[href^="/shop/checkout"]',
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "form.checkout_autoformat #o_country_id",
            run: "selectByLabel France",
        },
        ...[
            ["name", "Alex Acheteur"],
            ["email", "alex@example.com"],
            ["phone", "06 98 76 54 32"],
            ["street", "3 quai des Indes"],
            ["city", "Lorient"],
            ["zip", "56100"],
        ].map(([field, value]) => ({
            content: `Address: ${field}`,
            trigger: `form.checkout_autoformat input[name=${field}]`,
            run: `edit ${value}`,
        })),
        {
            content: "Continue checkout",
            trigger: "#save_address",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The total to pay is the face value",
            trigger: "#o_cart_summary tr#order_total .oe_currency_value:contains(/^25.00$/), " +
                "#o_wsale_total_accordion tr#order_total .oe_currency_value:contains(/^25.00$/)",
        },
        {
            content: "Choose the demo provider",
            trigger: "input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            trigger: "input[name='customer_input']",
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: "button[name='o_payment_submit_button']:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Confirmation page",
            trigger: ".oe_website_sale_tx_status:contains(Your payment has been successfully processed)",
            timeout: 30000,
        },
        {
            content: "The buyer gets an e-ticket, and it is a PDF",
            trigger: ".o_soticket_etickets .o_soticket_eticket_link[data-layout=a4]",
            async run() {
                const link = document.querySelector(".o_soticket_etickets .o_soticket_eticket_link[data-layout=a4]");
                const response = await fetch(link.href, { credentials: "same-origin" });
                const head = new TextDecoder().decode((await response.arrayBuffer()).slice(0, 5));
                if (!response.ok || head !== "%PDF-") {
                    throw new Error(`E-ticket ${link.href} is not a PDF: ${response.status} ${head}`);
                }
                document.body.classList.add("o_soticket_resale_eticket_checked");
            },
        },
        {
            trigger: "body.o_soticket_resale_eticket_checked",
        },
    ],
});
