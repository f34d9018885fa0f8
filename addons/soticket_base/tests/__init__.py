# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import test_eticket_pdf
from . import test_signing_key
from . import test_ticket_code
from . import test_ticket_flow
