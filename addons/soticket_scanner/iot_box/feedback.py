# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""What the door staff sees and hears after a scan: green, orange or red.

Subclass :class:`Feedback` to drive the box's hardware (LEDs, a beeper, a screen); the
agent calls :meth:`Feedback.show` once per scan, from the thread that read the scan.
:class:`CommandFeedback` is the no-code hook point: it runs a program of the venue's
(e.g. a script toggling GPIO pins) with the colour as its first argument.
"""

import logging
import subprocess
import sys

_logger = logging.getLogger(__name__)

ANSI = {"green": "\033[42;30m", "orange": "\033[43;30m", "red": "\033[41;37m"}
BEEPS = {"green": 1, "orange": 2, "red": 3}


class Feedback:
    """Interface: show one scan's outcome (``color`` is "green", "orange" or "red")."""

    def show(self, color, outcome):
        raise NotImplementedError

    def status(self, online, pending):
        """The box went online/offline or its outbox changed (``pending`` scans to send)."""


class ConsoleFeedback(Feedback):
    """The default: one coloured line per scan on the terminal (and a bell on refusals)."""

    def __init__(self, stream=None, color=None):
        self.stream = stream or sys.stdout
        self.color = self.stream.isatty() if color is None else color

    def show(self, color, outcome):
        where = "online" if outcome.online else "OFFLINE"
        label = f" {color.upper():<6} "
        if self.color:
            label = f"{ANSI[color]}{label}\033[0m" + ("\a" if color == "red" else "")
        self.stream.write(f"{label} {outcome.result} ({outcome.reason}, {where}) {outcome.message}\n")
        self.stream.flush()

    def status(self, online, pending):
        self.stream.write(f"[box] {'online' if online else 'OFFLINE'}, {pending} scan(s) to sync\n")
        self.stream.flush()


class CommandFeedback(Feedback):
    """Run ``command color result reason`` for each scan (GPIO LEDs, a beeper…), after ``inner``."""

    def __init__(self, command, inner=None, timeout=2):
        self.command = list(command)
        self.inner = inner
        self.timeout = timeout

    def show(self, color, outcome):
        if self.inner:
            self.inner.show(color, outcome)
        try:
            subprocess.run([*self.command, color, outcome.result, outcome.reason],  # noqa: S603 - the venue's own hook
                           timeout=self.timeout, check=False)
        except (OSError, subprocess.SubprocessError):
            _logger.warning("feedback command %s failed", self.command, exc_info=True)

    def status(self, online, pending):
        if self.inner:
            self.inner.status(online, pending)


class RecordingFeedback(Feedback):
    """Keeps every (color, outcome): for tests and for a screen that polls the last scans."""

    def __init__(self):
        self.shown = []
        self.statuses = []

    def show(self, color, outcome):
        self.shown.append((color, outcome))

    def status(self, online, pending):
        self.statuses.append((online, pending))
