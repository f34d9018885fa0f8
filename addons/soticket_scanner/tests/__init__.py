# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import test_admission
from . import test_door_page
from . import test_gdpr
from . import test_offline_policy
from . import test_registration_desk
from . import test_scanner_abuse
from . import test_scanner_api
from . import test_scanner_messages
