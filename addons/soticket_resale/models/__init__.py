# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import event_event
from . import event_registration
from . import res_company
from . import res_config_settings
from . import res_partner
from . import sale_order
from . import sale_order_line
from . import soticket_resale_listing
from . import soticket_resale_refund
from . import soticket_resale_waitlist
from . import soticket_revenue_statement
from . import soticket_seat_hold
