# Part of SoTicket. See LICENSE file for full copyright and licensing details.
from odoo import fields
from odoo import models


class SoticketPosSeatHold(models.Model):
    """Which register session a seat hold of soticket_base belongs to.

    A register sale in flight (not committed yet) holds its seats through soticket_base's
    ``soticket.seat.hold``; this row says which session it is sold in, so that the check of
    a concurrent sale counts it against that session's allotment instead of counting it twice
    (once as a hold, once as allotment not sold yet). Written and read with raw SQL on the
    cursor of the seat check, deleted with the hold.
    """

    _name = "soticket.pos.seat.hold"
    _description = "Register session of an uncommitted seat hold"
    _log_access = False

    registration_id = fields.Integer(required=True, index=True)
    session_id = fields.Integer(required=True, index=True)
    event_id = fields.Integer(required=True, index=True)
    event_ticket_id = fields.Integer()
