# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import eticket
from . import portal
from . import website_sale
from . import website_sale_rule
