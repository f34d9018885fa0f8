# Part of SoTicket. See LICENSE file for full copyright and licensing details.
# First: models below inherit it.
from . import soticket_server_fields_mixin  # isort: skip
from . import event_event
from . import event_event_ticket
from . import event_registration
from . import event_registration_mail
from . import event_registration_staff
from . import ir_actions_report
from . import payment_transaction_website
from . import res_config_settings
from . import res_partner
from . import res_partner_consent
from . import sale_order
from . import sale_order_sale_rule
from . import sale_order_website
from . import soticket_code_revocation
from . import soticket_rate_limit
from . import soticket_revenue_statement
from . import soticket_revenue_statement_line
from . import soticket_seat_hold
from . import soticket_signing_key
from . import website_shop
