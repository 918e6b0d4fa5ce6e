"""The figures' definitions, pure (no Django): percentiles, rates, NPS, the date range and its buckets.

The SQL in `queries.py` computes the same figures in the database; these functions are the reference the tests hold
it to (docs/analytics.md states each definition in words and SQL).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

PERCENTILES = (0.5, 0.9)
MAX_RANGE_DAYS = 731  # two years and a day: the history a dashboard can span in one view
PROMOTER_MIN, DETRACTOR_MAX = 9, 6


def percentile_disc(values: Sequence[int], fraction: float) -> int | None:
    """PostgreSQL's `percentile_disc(fraction) WITHIN GROUP (ORDER BY value)`: the first value, in ascending order,
    whose position reaches `fraction` of the count (position ceil(fraction × n), at least 1). None for no values."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    if not values:
        return None
    ordered = sorted(values)
    position = max(1, math.ceil(fraction * len(ordered)))
    return ordered[position - 1]


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole as a fraction, None when nothing was counted."""
    return None if whole == 0 else part / whole


def compliance(met: int, breached: int) -> float | None:
    """SLA compliance: met ÷ (met + breached); None when no cycle was decided."""
    return rate(met, met + breached)


def nps(scores: Iterable[int]) -> float | None:
    """Net Promoter Score: % promoters (9–10) − % detractors (0–6), from −100 to 100; None without answers."""
    promoters = detractors = total = 0
    for score in scores:
        if not 0 <= score <= 10:
            raise ValueError(f"an NPS score is 0–10, not {score}")
        total += 1
        promoters += score >= PROMOTER_MIN
        detractors += score <= DETRACTOR_MAX
    return None if total == 0 else 100 * (promoters - detractors) / total


def nps_from_counts(promoters: int, detractors: int, total: int) -> float | None:
    return None if total == 0 else 100 * (promoters - detractors) / total


def average(total: int | float | None, count: int) -> float | None:
    return None if count == 0 or total is None else total / count


def seconds_between(start: datetime, end: datetime | None) -> int | None:
    """Whole wall-clock seconds from start to end, truncated, never negative (a merged ticket can carry a first
    response from before its own creation); None while end is unknown."""
    if end is None:
        return None
    return max(0, math.floor((end - start).total_seconds()))


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class DateRange:
    """Whole days `first`..`last` (both included) in `zone`: from local midnight of `first` to local midnight of the
    day after `last`."""

    first: date
    last: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the range ends before it starts")
        if self.days > MAX_RANGE_DAYS:
            raise ValueError(f"a range spans at most {MAX_RANGE_DAYS} days")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive."""
        return datetime.combine(self.last + timedelta(days=1), time(0), self.zone).astimezone(UTC)

    @property
    def bucket(self) -> Bucket:
        """Days up to two months, weeks up to a year and a half, months beyond."""
        if self.days <= 62:
            return Bucket.DAY
        if self.days <= 550:
            return Bucket.WEEK
        return Bucket.MONTH

    def bucket_starts(self) -> list[date]:
        """Every bucket's first day, so a chart shows empty buckets as zero instead of skipping them."""
        starts: list[date] = []
        current = bucket_start(self.first, self.bucket)
        while current <= self.last:
            starts.append(current)
            current = next_bucket(current, self.bucket)
        return starts


def bucket_start(day: date, bucket: Bucket) -> date:
    if bucket == Bucket.DAY:
        return day
    if bucket == Bucket.WEEK:
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    return day.replace(day=1)


def next_bucket(day: date, bucket: Bucket) -> date:
    if bucket == Bucket.DAY:
        return day + timedelta(days=1)
    if bucket == Bucket.WEEK:
        return day + timedelta(days=7)
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def week_of(day: date) -> tuple[date, date]:
    """The ISO week (Monday–Sunday) containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("< 1 day", 1),
    ("1–3 days", 3),
    ("3–7 days", 7),
    ("7–30 days", 30),
    ("> 30 days", None),
)


def age_bucket(created: datetime, now: datetime) -> int:
    """Index into AGE_BUCKETS for a ticket created at `created`, seen at `now` (upper bounds exclusive)."""
    age_days = (now - created).total_seconds() / 86400
    for index, (_label, limit) in enumerate(AGE_BUCKETS):
        if limit is None or age_days < limit:
            return index
    return len(AGE_BUCKETS) - 1
