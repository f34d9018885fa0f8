# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import soticket_coop_invoice_wizard
from . import soticket_coop_statement_import
from . import soticket_coop_statement_pull
