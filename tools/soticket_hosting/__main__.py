# Part of SoTicket. See LICENSE file for full copyright and licensing details.
import sys

from .cli import main

sys.exit(main())
