# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""Where scans come from: one barcode per call of ``handler(code)``.

- :class:`LineReader`: lines of a stream (stdin, a file, a FIFO); a keyboard-wedge scanner
  typing into a terminal works too;
- :class:`SocketReader`: datagrams on a local Unix socket, sent by the hw_drivers driver
  of an Odoo IoT box (``hw_driver/SoticketScannerDriver_L.py``);
- :class:`EvdevReader`: the USB scanner's input device read directly with evdev (grabbed,
  so its keystrokes do not reach the console). ``evdev`` is imported only here.
"""

import logging
import os
import socket
from pathlib import Path

_logger = logging.getLogger(__name__)
DEFAULT_SOCKET = "/run/soticket-scanner/scans.sock"
MAX_SCAN = 4096

# evdev key codes of a scanner programmed for a US layout (codes use digits and capitals).
KEYS = {2 + i: c for i, c in enumerate("1234567890")}
KEYS.update({16 + i: c for i, c in enumerate("qwertyuiop")})
KEYS.update({30 + i: c for i, c in enumerate("asdfghjkl")})
KEYS.update({44 + i: c for i, c in enumerate("zxcvbnm")})
KEYS.update({12: "-", 13: "=", 26: "[", 27: "]", 39: ";", 40: "'", 41: "`", 43: "\\", 51: ",", 52: ".", 53: "/",
             57: " "})
SHIFTED = {"-": "_", "=": "+", "[": "{", "]": "}", ";": ":", "'": '"', "`": "~", "\\": "|", ",": "<", ".": ">",
           "/": "?", **dict(zip("1234567890", "!@#$%^&*()", strict=True))}
ENTER_KEYS = (28, 96)  # Enter, keypad Enter
SHIFT_KEYS = (42, 54)
CAPSLOCK = 58


class LineReader:
    def __init__(self, stream):
        self.stream = stream

    def run(self, handler, stop):
        for line in self.stream:
            if stop.is_set():
                break
            code = line.strip()
            if code:
                handler(code)


class SocketReader:
    """Unix datagram socket: one scan per datagram (UTF-8)."""

    def __init__(self, path=DEFAULT_SOCKET):
        self.path = Path(path)

    def run(self, handler, stop):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self.path.unlink()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(str(self.path))
            os.chmod(self.path, 0o660)
            sock.settimeout(0.5)
            while not stop.is_set():
                try:
                    data = sock.recv(MAX_SCAN)
                except TimeoutError:
                    continue
                code = data.decode("utf-8", "replace").strip()
                if code:
                    handler(code)


def send_to_socket(code, path=DEFAULT_SOCKET):
    """Hand one scan to a running agent's SocketReader (used by the hw_drivers driver)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(code.encode("utf-8")[:MAX_SCAN], str(path))


class EvdevReader:
    """Read a USB scanner's key events (``device``: /dev/input/eventN or a by-id path)."""

    def __init__(self, device, grab=True):
        self.device = device
        self.grab = grab

    def run(self, handler, stop):
        import evdev  # noqa: PLC0415 - optional: only boxes reading the scanner directly need it

        device = evdev.InputDevice(self.device)
        if self.grab:
            device.grab()
        shift = caps = False
        buffer = []
        try:
            for event in device.read_loop():
                if stop.is_set():
                    break
                if event.type != evdev.ecodes.EV_KEY:
                    continue
                if event.code in SHIFT_KEYS:
                    shift = event.value != 0
                    continue
                if event.value != 1:  # key down only
                    continue
                if event.code == CAPSLOCK:
                    caps = not caps
                elif event.code in ENTER_KEYS:
                    if buffer:
                        handler("".join(buffer))
                    buffer = []
                elif event.code in KEYS:
                    buffer.append(key_char(event.code, shift, caps))
        finally:
            if self.grab:
                device.ungrab()


def key_char(code, shift=False, caps=False):
    char = KEYS[code]
    if char.isalpha():
        return char.upper() if shift != caps else char
    return SHIFTED.get(char, char) if shift else char
