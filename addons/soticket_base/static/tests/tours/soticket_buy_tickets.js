/** @odoo-module **/
// Part of SoTicket. See LICENSE file for full copyright and licensing details.

import { registry } from "@web/core/registry";

/**
 * A visitor buys 2 "Plein tarif" tickets (25.00 each, VAT included) for "Jazz à la Sirène":
 * event page (categories, prices and seats left shown before any click), attendees, address (with the
 * news opt-in, unticked until they tick it), payment with the demo provider (the seats held for the
 * cart, with the time left counting down), confirmation page, and the e-tickets, which must be PDFs.
 * Every step waits for its element: no fixed delay.
 */
registry.category("web_tour.tours").add("soticket_buy_tickets", {
    url: "/event",
    steps: () => [
        {
            content: "Open the concert's page",
            trigger: ".o_wevent_events_list a:contains(Jazz à la Sirène)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Before any click, the page lists the category with its price paid and its seats left",
            trigger:
                ".o_soticket_categories .o_soticket_category:contains(Plein tarif):contains(seat(s) left) " +
                ".o_soticket_category_price .oe_currency_value:contains(/^25.00$/)",
        },
        {
            content: "Invitations are not offered to buyers",
            trigger: "body:not(:has(.o_soticket_categories .o_soticket_category:contains(Invitation)))",
        },
        {
            content: "Open the ticket modal",
            trigger: "#wrap .btn-primary:contains(Register)",
            run: "click",
        },
        {
            content: "The category shows its final price, VAT included",
            trigger:
                ".modal.show .o_wevent_ticket_selector[name='Plein tarif'] .oe_currency_value:contains(/^25.00$/)",
        },
        {
            content: "Pick 2 Plein tarif tickets",
            trigger: ".modal.show .o_wevent_ticket_selector[name='Plein tarif'] select",
            run: "select 2",
        },
        {
            trigger: ".modal.show .o_wevent_ticket_selector[name='Plein tarif'] select:has(option:contains(2):selected)",
        },
        {
            content: "Register",
            trigger: ".modal.show .modal-footer button.btn-primary:contains(Register):enabled",
            run: "click",
        },
        {
            content: "The attendee form is open",
            trigger: ".modal.modal_shown.show form#attendee_registration",
        },
        {
            trigger: ".modal#modal_attendees_registration input[name^='1-name']",
            run: "edit Camille Martin",
        },
        {
            trigger: ".modal#modal_attendees_registration input[name^='1-email']",
            run: "edit camille@example.com",
        },
        {
            trigger: ".modal#modal_attendees_registration input[name^='2-name']",
            run: "edit Louis Martin",
        },
        {
            trigger: ".modal#modal_attendees_registration input[name^='2-email']",
            run: "edit louis@example.com",
        },
        {
            content: "Go to payment",
            trigger: ".modal#modal_attendees_registration button[type=submit]",
            run: "click",
            expectUnloadPage: true,
        },
        // Address step: a ticket-only cart has no delivery step.
        {
            trigger: "form.checkout_autoformat #o_country_id",
            run: "selectByLabel France",
        },
        ...[
            ["name", "Camille Martin"],
            ["email", "camille@example.com"],
            ["phone", "06 12 34 56 78"],
            ["street", "12 rue de la Paix"],
            ["city", "Lorient"],
            ["zip", "56100"],
        ].map(([field, value]) => ({
            content: `Address: ${field}`,
            trigger: `form.checkout_autoformat input[name=${field}]`,
            run: `edit ${value}`,
        })),
        {
            content: "The venue's news are offered, not ticked in advance",
            trigger: "form.checkout_autoformat input#soticket_news_optin:not(:checked)",
            run: "click",
        },
        {
            trigger: "form.checkout_autoformat input#soticket_news_optin:checked",
        },
        {
            content: "Continue checkout",
            trigger: "#save_address",
            run: "click",
            expectUnloadPage: true,
        },
        // Payment page: the total is 2 x 25.00, nothing added.
        {
            content: "The total to pay is the sum of the ticket prices",
            trigger: "#o_cart_summary tr#order_total .oe_currency_value:contains(/^50.00$/), " +
                "#o_wsale_total_accordion tr#order_total .oe_currency_value:contains(/^50.00$/)",
        },
        {
            content: "No delivery line",
            trigger: "body:not(:has(tr#order_delivery))",
        },
        {
            content: "The seats of the cart are held: the time left counts down",
            trigger: ".o_soticket_cart_hold .o_soticket_cart_hold_left:contains(/^1[45]:[0-5][0-9]$/)",
            async run() {
                const output = document.querySelector(".o_soticket_cart_hold_left");
                const before = output.textContent;
                const deadline = Date.now() + 5000;
                while (output.textContent === before) {
                    if (Date.now() > deadline) {
                        throw new Error(`The countdown does not run (still ${before})`);
                    }
                    await new Promise((resolve) => setTimeout(resolve, 200));
                }
            },
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
            content: "Each ticket has its e-ticket, A4 and phone, and they are PDFs",
            trigger: ".o_soticket_etickets .o_soticket_eticket_link[data-layout=phone]",
            async run() {
                const links = [...document.querySelectorAll(".o_soticket_etickets .o_soticket_eticket_link")];
                if (links.length !== 4) {
                    throw new Error(`Expected 4 e-ticket links (2 tickets x A4/phone), found ${links.length}`);
                }
                for (const link of links) {
                    const response = await fetch(link.href, { credentials: "same-origin" });
                    const contentType = response.headers.get("Content-Type") || "";
                    const head = new TextDecoder().decode((await response.arrayBuffer()).slice(0, 5));
                    if (!response.ok || !contentType.startsWith("application/pdf") || head !== "%PDF-") {
                        throw new Error(
                            `E-ticket ${link.href} is not a PDF: ${response.status} ${contentType} ${head}`
                        );
                    }
                }
                document.body.classList.add("o_soticket_etickets_checked");
            },
        },
        {
            trigger: "body.o_soticket_etickets_checked",
        },
    ],
});
