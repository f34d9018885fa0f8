# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from . import bus_notify
from . import scanner_errors
