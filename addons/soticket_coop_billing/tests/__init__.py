# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import test_fee_table
from . import test_invoicing
from . import test_renewals
from . import test_server_fields
from . import test_statements
