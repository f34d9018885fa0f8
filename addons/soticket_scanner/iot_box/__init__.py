# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""SoTicket door box agent: a standalone process for a Raspberry-Pi-class box at a door.

Not part of the Odoo addon (its ``__init__`` does not import this package): the box runs
it with plain Python (standard library, ``cryptography`` and ``websocket-client``), as
``python -m iot_box`` from ``addons/soticket_scanner``. See ``readme/INSTALL.md``.
"""
