# Part of SoTicket. See LICENSE file for full copyright and licensing details.
{
    "name": "SoTicket — Door scanning",
    "version": "18.0.1.0.0",
    "category": "Marketing/Events",
    "summary": "Exactly-once admission at the door: gates, paired scanners, offline sync, scan log",
    "author": "SoTicket cooperative",
    "website": "https://soticket.coop",
    "license": "LGPL-3",
    "depends": ["soticket_base"],
    "data": [
        "security/soticket_scanner_security.xml",
        "security/ir.model.access.csv",
        "views/soticket_scanner_gate_views.xml",
        "views/soticket_scan_log_views.xml",
        "views/soticket_scanner_device_views.xml",
        "views/event_event_views.xml",
        "views/soticket_scanner_menus.xml",
        "views/soticket_door_views.xml",
    ],
    "demo": [
        "data/soticket_scanner_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "soticket_scanner/static/src/**/*",
        ],
        "web.assets_tests": [
            "soticket_scanner/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
