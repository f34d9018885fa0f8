# Part of SoTicket. See LICENSE file for full copyright and licensing details.
{
    "name": "SoTicket — Face-value resale",
    "version": "18.0.1.0.0",
    "category": "Marketing/Events",
    "summary": "Venue-run ticket exchange at face value: the old code dies, the buyer gets a new ticket",
    "author": "SoTicket cooperative",
    "website": "https://soticket.coop",
    "license": "LGPL-3",
    "depends": ["soticket_base"],
    "data": [
        "security/soticket_resale_security.xml",
        "security/ir.model.access.csv",
        "data/soticket_resale_data.xml",
        "data/mail_templates.xml",
        "views/soticket_resale_listing_views.xml",
        "views/soticket_resale_waitlist_views.xml",
        "views/soticket_resale_refund_views.xml",
        "views/event_event_views.xml",
        "views/event_registration_views.xml",
        "views/res_config_settings_views.xml",
        "views/soticket_resale_menus.xml",
        "views/resale_templates.xml",
        "views/event_templates.xml",
        "views/portal_templates.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "soticket_resale/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
