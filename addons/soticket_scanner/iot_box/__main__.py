# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from .agent import main

raise SystemExit(main())
