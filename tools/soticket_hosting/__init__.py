# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The cooperative's hosting tool: venue databases on a dbfilter server (create, back up,
restore, upgrade, export, decommission). See README.md, "Deploying for several venues"."""
