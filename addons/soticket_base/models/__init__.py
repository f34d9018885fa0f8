# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import event_event
from . import event_event_ticket
from . import event_registration
from . import ir_actions_report
from . import sale_order
from . import soticket_code_revocation
from . import soticket_seat_hold
from . import soticket_signing_key
