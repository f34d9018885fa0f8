# Part of SoTicket. See LICENSE file for full copyright and licensing details.
{
    "name": "SoTicket — Hosting requests from member contracts",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "summary": "A button on the cooperative's member contract asks for the venue's database",
    "author": "SoTicket cooperative",
    "website": "https://soticket.coop",
    "license": "LGPL-3",
    "depends": ["soticket_coop_billing"],
    "data": ["views/soticket_coop_contract_views.xml"],
    "installable": True,
}
