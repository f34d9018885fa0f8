# Part of SoTicket. See LICENSE file for full copyright and licensing details.
{
    "name": "SoTicket — France (ticketing obligations)",
    "version": "18.0.1.0.0",
    "category": "Marketing/Events",
    "summary": "Receipt records per performance, traced ticket operations, tax inspector access, SIBIL "
               "declarations, CNM show tax and French VAT rates",
    "author": "SoTicket cooperative",
    "website": "https://soticket.coop",
    "license": "LGPL-3",
    "depends": ["soticket_base", "soticket_box_office", "soticket_resale"],
    "external_dependencies": {"python": ["reportlab", "requests"]},
    "data": [
        "security/soticket_l10n_fr_security.xml",
        "security/ir.model.access.csv",
        "security/soticket_l10n_fr_rules.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "views/soticket_fr_operation_views.xml",
        "views/soticket_fr_receipt_views.xml",
        "views/soticket_fr_sibil_declaration_views.xml",
        "views/soticket_fr_cnm_declaration_views.xml",
        "views/event_event_views.xml",
        "views/res_company_views.xml",
        "views/soticket_l10n_fr_menus.xml",
    ],
    "demo": [
        "data/soticket_l10n_fr_demo.xml",
    ],
    "installable": True,
}
