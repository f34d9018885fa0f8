# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import soticket_coop_contract
