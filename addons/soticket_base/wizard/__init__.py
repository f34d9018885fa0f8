# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import soticket_forget_buyer
from . import soticket_revenue_statement_generate
