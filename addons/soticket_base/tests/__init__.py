# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import test_access_matrix
from . import test_cart_holds
from . import test_concurrency
from . import test_credentials
from . import test_eticket_pdf
from . import test_gdpr
from . import test_revenue_statement
from . import test_sale_rule
from . import test_server_fields
from . import test_signing_key
from . import test_staff
from . import test_ticket_code
from . import test_ticket_flow
from . import test_tour
from . import test_translations
from . import test_website
