# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import account_move
from . import res_company
from . import res_config_settings
from . import soticket_coop_contract
from . import soticket_coop_network
from . import soticket_coop_statement
