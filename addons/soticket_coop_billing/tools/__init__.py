# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import fee
from . import statement_client
