# Part of SoTicket. See LICENSE file for full copyright and licensing details.
{
    "name": "SoTicket — Hosting",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tools",
    "summary": "Many venue databases on one server: the database list cached under dbfilter",
    "author": "SoTicket cooperative",
    "website": "https://soticket.coop",
    "license": "LGPL-3",
    "depends": ["base", "web"],
    "data": [],
    "post_load": "post_load",
    "installable": True,
}
