# Part of SoTicket. See LICENSE file for full copyright and licensing details.
{
    "name": "SoTicket — Base",
    "version": "18.0.1.0.0",
    "category": "Marketing/Events",
    "summary": "Concerts, ticket categories, signed ticket codes, e-tickets and web sales at the real price",
    "author": "SoTicket cooperative",
    "website": "https://soticket.coop",
    "license": "LGPL-3",
    "depends": ["website_event_sale"],
    "external_dependencies": {"python": ["cryptography", "qrcode", "reportlab"]},
    "data": [
        "security/soticket_security.xml",
        "security/ir.model.access.csv",
        "data/soticket_key_data.xml",
        "report/eticket_reports.xml",
        "data/mail_data.xml",
        "views/eticket_templates.xml",
    ],
    "installable": True,
    "application": True,
}
