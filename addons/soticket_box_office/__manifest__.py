# Part of SoTicket. See LICENSE file for full copyright and licensing details.
{
    "name": "SoTicket — Box office",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "summary": "Door sales in the Point of Sale: one-tap ticket categories, signed tickets on the receipt printer, "
               "guest list, refunds that revoke codes and an offline allotment that cannot oversell",
    "author": "SoTicket cooperative",
    "website": "https://soticket.coop",
    "license": "LGPL-3",
    "depends": ["soticket_base", "pos_event"],
    "data": [
        "security/soticket_box_office_security.xml",
        "security/ir.model.access.csv",
        "report/box_office_reports.xml",
        "report/session_report_templates.xml",
        "views/soticket_guest_list_views.xml",
        "views/soticket_pos_allotment_views.xml",
        "views/pos_config_views.xml",
        "views/pos_order_views.xml",
        "views/pos_session_views.xml",
        "views/event_event_views.xml",
        "views/event_registration_views.xml",
        "views/soticket_box_office_menus.xml",
    ],
    "demo": [
        "data/soticket_box_office_demo.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "soticket_box_office/static/src/**/*",
        ],
        "web.assets_tests": [
            "soticket_box_office/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
