# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import test_access
from . import test_concurrency
from . import test_gdpr
from . import test_listing
from . import test_refund_provider
from . import test_resale_abuse
from . import test_settlement
from . import test_tour
from . import test_waitlist
from . import test_website
