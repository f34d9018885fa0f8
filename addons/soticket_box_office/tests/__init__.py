# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import test_box_office
from . import test_concurrency
from . import test_frontend
from . import test_gdpr
from . import test_web_rush_allotment
