# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import event_event
from . import event_event_ticket
from . import event_registration
from . import ir_actions_report
from . import pos_config
from . import pos_order
from . import pos_session
from . import res_partner
from . import soticket_guest_list
from . import soticket_pos_allotment
from . import soticket_pos_seat_hold
from . import soticket_pos_session_allotment
from . import soticket_seat_hold
