"""Hour-bank arithmetic: durations, balance, overage and alert thresholds. Pure (no Django), integer minutes.

A contract's prepaid hours are a Decimal with two places; everything else counts whole minutes, so sums are exact
and the overage of a sequence of entries adds up to exactly max(0, used − prepaid).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ALERT_THRESHOLDS = (80, 100)
# One entry is one stretch of work on one day; more than 24 hours is a typo (minutes typed as hours, an extra zero).
MAX_ENTRY_MINUTES = 24 * 60


class DurationError(ValueError):
    """A duration the user typed cannot be read or is out of range; the message says why."""


def hours_to_minutes(hours: Decimal) -> int:
    """Prepaid hours (Decimal, two places) as whole minutes, rounded half up (0.01 h is 0.6 min → 1)."""
    return int((hours * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


_UNIT_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*(hours|hour|hrs|hr|h|小时|时|minutes|minute|mins|min|m|分钟|分)", re.I)


def parse_duration(text: str) -> int:
    """Minutes from what people type: "90", "1h30", "1h 30m", "1.5h", "1:30", "45m", "1小时30分钟".

    A bare number is minutes; a number after hours is minutes ("1h30"). Raises DurationError for anything else,
    for zero and for more than MAX_ENTRY_MINUTES.
    """
    cleaned = text.strip().lower()
    if not cleaned:
        raise DurationError("Enter a duration, e.g. 45, 1h30 or 1.5h.")
    minutes = _parse(cleaned)
    if minutes is None:
        raise DurationError(f"“{text.strip()}” is not a duration; write e.g. 45, 1h30 or 1.5h.")
    return check_minutes(minutes)


def check_minutes(minutes: int) -> int:
    if minutes <= 0:
        raise DurationError("A duration must be at least one minute.")
    if minutes > MAX_ENTRY_MINUTES:
        raise DurationError("One entry cannot exceed 24 hours; log each day separately.")
    return minutes


def _parse(text: str) -> int | None:
    if re.fullmatch(r"\d+", text):
        return int(text)
    clock = re.fullmatch(r"(\d+):([0-5]\d)", text)
    if clock:
        return int(clock[1]) * 60 + int(clock[2])
    trailing = re.fullmatch(r"(\d+)\s*(?:h|小时|时)\s*(\d+)", text)  # "1h30": minutes after hours without a unit
    if trailing:
        return int(trailing[1]) * 60 + int(trailing[2])
    return _parse_units(text)


def _parse_units(text: str) -> int | None:
    position, total, seen_hours, seen_minutes = 0, Decimal(0), False, False
    for match in _UNIT_PART.finditer(text):
        if text[position : match.start()].strip():
            return None  # something unreadable between the parts
        try:
            amount = Decimal(match[1].replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only admits digits
            return None
        if match[2][0] in "h小时":
            if seen_hours or seen_minutes:
                return None
            seen_hours, total = True, total + amount * 60
        else:
            if seen_minutes:
                return None
            seen_minutes, total = True, total + amount
        position = match.end()
    if position == 0 or text[position:].strip():
        return None
    return int(total.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def format_minutes(minutes: int) -> str:
    """120 → "2h", 90 → "1h 30m", 45 → "45m", -30 → "-30m" (language-neutral units, as in most time trackers)."""
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{sign}{hours}h {rest:02d}m"
    if hours:
        return f"{sign}{hours}h"
    return f"{sign}{rest}m"


@dataclass(frozen=True)
class Usage:
    """A contract's bank: prepaid and billable minutes used. `percent_used` is None when nothing was prepaid."""

    prepaid_minutes: int
    used_minutes: int

    @property
    def percent_used(self) -> float | None:
        if self.prepaid_minutes <= 0:
            return None
        return round(self.used_minutes * 100 / self.prepaid_minutes, 1)

    @property
    def remaining_minutes(self) -> int:
        return max(0, self.prepaid_minutes - self.used_minutes)

    @property
    def balance_minutes(self) -> int:
        """Prepaid minus used; negative once overdrawn."""
        return self.prepaid_minutes - self.used_minutes

    @property
    def overage_minutes(self) -> int:
        return overage(self.prepaid_minutes, self.used_minutes)

    @property
    def bar_percent(self) -> int:
        """Width of a progress bar, 0–100."""
        percent = self.percent_used
        return 100 if percent is None and self.used_minutes else min(100, int(percent or 0))


def overage(prepaid: int, used: int) -> int:
    return max(0, used - prepaid)


def entry_overage(prepaid: int, used_before: int, minutes: int) -> int:
    """The part of a new billable entry of `minutes` beyond the bank, given what was used before it."""
    return overage(prepaid, used_before + minutes) - overage(prepaid, used_before)


def split_overage(prepaid: int, entries: Sequence[int]) -> list[int]:
    """Each billable entry's overage, in the order the entries drew down the bank."""
    result, used = [], 0
    for minutes in entries:
        result.append(entry_overage(prepaid, used, minutes))
        used += minutes
    return result


def thresholds_reached(prepaid: int, used: int, thresholds: Iterable[int] = ALERT_THRESHOLDS) -> list[int]:
    """The alert thresholds (percent of prepaid) that `used` has reached. A contract without a bank has none."""
    if prepaid <= 0:
        return []
    return [threshold for threshold in thresholds if used * 100 >= threshold * prepaid]


@dataclass(frozen=True)
class MonthFigures:
    """A statement's figures: the balance before and after the month and what the month used."""

    prepaid_minutes: int
    opening_minutes: int
    billable_minutes: int
    non_billable_minutes: int
    overage_minutes: int

    @property
    def closing_minutes(self) -> int:
        return self.opening_minutes - self.billable_minutes


def month_figures(prepaid: int, billable_before: int, billable: int, non_billable: int) -> MonthFigures:
    """Figures for a month, from the billable minutes used before it and the month's own totals."""
    return MonthFigures(
        prepaid_minutes=prepaid,
        opening_minutes=prepaid - billable_before,
        billable_minutes=billable,
        non_billable_minutes=non_billable,
        overage_minutes=entry_overage(prepaid, billable_before, billable),
    )
