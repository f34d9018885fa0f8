# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import test_cnm_vat
from . import test_operation
from . import test_receipt
from . import test_sibil
