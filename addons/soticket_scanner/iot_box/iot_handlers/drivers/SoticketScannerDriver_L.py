# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""SoTicket door scanner driver for an Odoo IoT box (hw_drivers, Community: no ``iot`` module).

Copy (or link) this file into the box's ``odoo/addons/hw_drivers/iot_handlers/drivers/``:
hw_drivers loads every file there at start (``helpers.load_iot_handlers``). The driver is
the stock :class:`KeyboardUSBDriver` (layouts, keyboard or scanner detection, the
``/hw_proxy/scanner`` route all unchanged), and each completed barcode is also handed to
the SoTicket door agent (``python -m iot_box --input socket``) as one datagram on its
Unix socket. Being a subclass, it gets a higher driver priority: hw_drivers picks it
instead of the stock driver for USB keyboards and scanners.
"""

import logging
import os
import socket

from odoo.addons.hw_drivers.iot_handlers.drivers.KeyboardUSBDriver_L import KeyboardUSBDriver

_logger = logging.getLogger(__name__)

# Same default as iot_box/inputs.py DEFAULT_SOCKET.
SOCKET_PATH = os.environ.get("SOTICKET_SCANNER_SOCKET", "/run/soticket-scanner/scans.sock")
RETURN_SCANCODE = 28


def forward_barcode(barcode, path=SOCKET_PATH):
    """Send one barcode to the door agent; False if no agent listens (the box still works as stock)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(barcode.encode("utf-8"), path)
    except OSError as exc:
        _logger.warning("SoTicket door agent not reachable on %s: %s", path, exc)
        return False
    return True


class SoticketScannerDriver(KeyboardUSBDriver):
    """The stock keyboard/barcode scanner driver, forwarding scans to the SoTicket door agent."""

    def _barcode_scanner_input(self, scancode):
        if scancode == RETURN_SCANCODE and self._current_barcode:
            forward_barcode(self._current_barcode)
        super()._barcode_scanner_input(scancode)
