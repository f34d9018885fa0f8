# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import account_tax
from . import event_event
from . import event_registration
from . import res_company
from . import sale_order_line
from . import soticket_fr_cnm_declaration
from . import soticket_fr_operation
from . import soticket_fr_receipt
from . import soticket_fr_receipt_line
from . import soticket_fr_sibil_declaration
