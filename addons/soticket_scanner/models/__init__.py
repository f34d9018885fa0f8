# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import event_event
from . import event_event_ticket
from . import event_registration
from . import res_partner
from . import soticket_admission
from . import soticket_code_revocation
from . import soticket_door
from . import soticket_scan_log
from . import soticket_scanner_device
from . import soticket_scanner_gate
from . import soticket_scanner_messages
