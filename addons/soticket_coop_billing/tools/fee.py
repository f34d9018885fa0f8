# Part of SoTicket. See LICENSE file for full copyright and licensing details.
"""The cooperative's yearly fee, without the ORM.

fee = rate x base, raised to the minimum or capped at the maximum. When the contract covers only
part of the year, the minimum and the maximum are prorated by days:

    minimum_prorated = round(minimum * days_covered / days_in_year, 2)
    maximum_prorated = round(maximum * days_covered / days_in_year, 2)

where days_covered counts the days of the year from the later of 1 January and the contract's start
to the earlier of 31 December and the contract's end, both included, and days_in_year is 365 or 366.
The base itself is not prorated: a venue only sells through SoTicket while it is a member, so its
statement already holds the revenue of the covered days. Amounts are rounded to the cent, half up.
"""
import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal

CENT = Decimal("0.01")


def to_cents(value):
    """Decimal rounded half up to the cent (floats go through their shortest repr, so 0.1 stays 0.1)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def days_in_year(year):
    return 366 if calendar.isleap(year) else 365


def days_covered(year, date_start, date_end=None):
    """Days of `year` within [date_start, date_end] (both included; no end = open-ended). 0 if none."""
    first = max(date_start, datetime.date(year, 1, 1))
    last = min(date_end or datetime.date(year, 12, 31), datetime.date(year, 12, 31))
    return max((last - first).days + 1, 0)


@dataclass(frozen=True)
class Fee:
    base: Decimal
    rate: Decimal  # percent: 2.5 means 2.5 %
    proportional: Decimal  # rate x base, rounded to the cent
    minimum: Decimal  # prorated minimum
    maximum: Decimal  # prorated maximum
    days_covered: int
    days_in_year: int
    adjustment_kind: str  # "" | "minimum" | "maximum"
    adjustment: Decimal  # signed: positive raises to the minimum, negative caps at the maximum
    total: Decimal

    @property
    def prorated(self):
        return self.days_covered < self.days_in_year


def compute_fee(base, rate, minimum, maximum, covered, year_days):
    """The fee for one contract and one year; see the module docstring for the rule."""
    base = to_cents(base)
    rate = Decimal(str(rate))
    if base < 0:
        raise ValueError("negative base")
    if not 0 < covered <= year_days:
        raise ValueError("days covered out of range")
    share = Decimal(covered) / Decimal(year_days)
    minimum = to_cents(Decimal(str(minimum)) * share)
    maximum = to_cents(Decimal(str(maximum)) * share)
    if minimum > maximum:
        raise ValueError("minimum above maximum")
    proportional = to_cents(base * rate / 100)
    kind, total = "", proportional
    if proportional < minimum:
        kind, total = "minimum", minimum
    elif proportional > maximum:
        kind, total = "maximum", maximum
    return Fee(base=base, rate=rate, proportional=proportional, minimum=minimum, maximum=maximum,
               days_covered=covered, days_in_year=year_days, adjustment_kind=kind,
               adjustment=total - proportional, total=total)
