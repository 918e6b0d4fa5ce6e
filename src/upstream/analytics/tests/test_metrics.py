"""The pure definitions: percentiles, rates, NPS, date ranges and buckets (no database)."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstream.analytics import metrics

pytestmark = pytest.mark.smoke
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_percentile_disc_picks_an_actual_value() -> None:
    assert metrics.percentile_disc([], 0.5) is None
    assert metrics.percentile_disc([7], 0.9) == 7
    assert metrics.percentile_disc([4, 1, 3, 2], 0.5) == 2  # position ceil(2.0) = 2, not an average of 2 and 3
    assert metrics.percentile_disc([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert metrics.percentile_disc([1, 2, 3], 0.0) == 1
    with pytest.raises(ValueError):
        metrics.percentile_disc([1], 1.5)


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1), st.sampled_from([0.5, 0.9, 0.99]))
def test_percentile_disc_is_the_first_value_reaching_the_fraction(values: list[int], fraction: float) -> None:
    result = metrics.percentile_disc(values, fraction)
    assert result in values
    at_or_below = sum(1 for v in values if v <= result)
    below = sum(1 for v in values if v < result)
    assert at_or_below >= fraction * len(values)  # reaches the fraction …
    assert below < max(1, math.ceil(fraction * len(values)))  # … and no smaller value does


def test_rates_and_scores() -> None:
    assert metrics.compliance(0, 0) is None
    assert metrics.compliance(3, 1) == 0.75
    assert metrics.rate(1, 4) == 0.25
    assert metrics.nps([]) is None
    assert metrics.nps([10, 9, 8, 7, 6, 0]) == pytest.approx(100 * (2 - 2) / 6)
    assert metrics.nps([10, 10, 3]) == pytest.approx(100 / 3)
    assert metrics.nps_from_counts(2, 1, 4) == 25.0
    with pytest.raises(ValueError):
        metrics.nps([11])
    assert metrics.average(9, 2) == 4.5 and metrics.average(None, 0) is None


def test_seconds_between_truncates_and_never_goes_negative() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert metrics.seconds_between(start, None) is None
    assert metrics.seconds_between(start, start + timedelta(seconds=90.9)) == 90
    assert metrics.seconds_between(start, start - timedelta(hours=1)) == 0


def test_a_range_is_whole_local_days() -> None:
    span = metrics.DateRange(date(2026, 11, 16), date(2026, 11, 16), SHANGHAI)
    assert span.start == datetime(2026, 11, 15, 16, tzinfo=UTC)
    assert span.end == datetime(2026, 11, 16, 16, tzinfo=UTC)
    assert span.days == 1 and span.bucket == metrics.Bucket.DAY
    with pytest.raises(ValueError):
        metrics.DateRange(date(2026, 11, 16), date(2026, 11, 15), SHANGHAI)
    with pytest.raises(ValueError):
        metrics.DateRange(date(2020, 1, 1), date(2026, 1, 1), SHANGHAI)


def test_buckets_cover_the_range_without_gaps() -> None:
    weeks = metrics.DateRange(date(2026, 1, 7), date(2026, 6, 30), SHANGHAI)
    assert weeks.bucket == metrics.Bucket.WEEK
    starts = weeks.bucket_starts()
    assert starts[0] == date(2026, 1, 5)  # the Monday of the first day's week
    assert all(b - a == timedelta(days=7) for a, b in itertools.pairwise(starts))
    assert starts[-1] <= date(2026, 6, 30) < starts[-1] + timedelta(days=7)
    months = metrics.DateRange(date(2024, 12, 15), date(2026, 11, 24), SHANGHAI)
    assert months.bucket == metrics.Bucket.MONTH
    assert months.bucket_starts()[:2] == [date(2024, 12, 1), date(2025, 1, 1)]
    assert len(months.bucket_starts()) == 24


def test_age_buckets_and_weeks() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    assert metrics.age_bucket(now - timedelta(hours=2), now) == 0
    assert metrics.age_bucket(now - timedelta(days=2), now) == 1
    assert metrics.age_bucket(now - timedelta(days=400), now) == len(metrics.AGE_BUCKETS) - 1
    assert metrics.week_of(date(2026, 11, 26)) == (date(2026, 11, 23), date(2026, 11, 29))
