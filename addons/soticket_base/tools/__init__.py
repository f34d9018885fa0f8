# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import buyer_erasure
from . import eticket_pdf
from . import ticket_code
