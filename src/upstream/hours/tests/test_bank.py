"""The hour-bank arithmetic, without a database: durations, overage split, thresholds, month figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstream.hours import bank

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45", 45),
        (" 90 ", 90),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1H30M", 90),
        ("1.5h", 90),
        ("1,5h", 90),
        ("2h", 120),
        ("45m", 45),
        ("45 min", 45),
        ("1:30", 90),
        ("0:05", 5),
        ("1小时30分钟", 90),
        ("2小时", 120),
        ("30分钟", 30),
        ("1 hour 15 minutes", 75),
        ("24h", 1440),
    ],
)
def test_durations_people_type(text, minutes):
    assert bank.parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Enter a duration"),
        ("   ", "Enter a duration"),
        ("abc", "not a duration"),
        ("1h30x", "not a duration"),
        ("-30", "not a duration"),
        ("30m1h", "not a duration"),  # hours after minutes
        ("1h2h", "not a duration"),
        ("1:75", "not a duration"),
        ("0", "at least one minute"),
        ("0h", "at least one minute"),
        ("0.001h", "at least one minute"),  # rounds to 0 minutes
        ("25h", "cannot exceed 24 hours"),
        ("99999999999999999999", "cannot exceed 24 hours"),
    ],
)
def test_bad_durations_are_refused_with_a_reason(text, reason):
    with pytest.raises(bank.DurationError, match=reason):
        bank.parse_duration(text)


@pytest.mark.parametrize("minutes", [0, -1, 1441, 10**12])
def test_minutes_out_of_range(minutes):
    with pytest.raises(bank.DurationError):
        bank.check_minutes(minutes)


def test_prepaid_hours_in_minutes():
    assert bank.hours_to_minutes(Decimal("10")) == 600
    assert bank.hours_to_minutes(Decimal("0.25")) == 15
    assert bank.hours_to_minutes(Decimal("0.01")) == 1  # 0.6 min rounds half up
    assert bank.hours_to_minutes(Decimal("0")) == 0


def test_format_minutes():
    assert [bank.format_minutes(m) for m in (0, 5, 60, 90, 605, -30, -90)] == [
        "0m",
        "5m",
        "1h",
        "1h 30m",
        "10h 05m",
        "-30m",
        "-1h 30m",
    ]


def test_usage_figures():
    usage = bank.Usage(prepaid_minutes=600, used_minutes=660)
    assert (usage.percent_used, usage.remaining_minutes, usage.overage_minutes, usage.balance_minutes) == (
        110.0,
        0,
        60,
        -60,
    )
    assert usage.bar_percent == 100
    assert bank.Usage(prepaid_minutes=0, used_minutes=0).percent_used is None
    assert bank.Usage(prepaid_minutes=0, used_minutes=5).bar_percent == 100


def test_an_entry_that_crosses_the_limit_carries_only_the_part_beyond_it():
    assert bank.split_overage(600, [500, 60, 90, 30]) == [0, 0, 50, 30]


def test_thresholds():
    assert bank.thresholds_reached(600, 479) == []
    assert bank.thresholds_reached(600, 480) == [80]
    assert bank.thresholds_reached(600, 599) == [80]
    assert bank.thresholds_reached(600, 600) == [80, 100]
    assert bank.thresholds_reached(0, 500) == []  # no bank, no alerts


def test_month_figures():
    figures = bank.month_figures(600, billable_before=500, billable=150, non_billable=40)
    assert figures.opening_minutes == 100
    assert figures.closing_minutes == -50
    assert figures.overage_minutes == 50
    assert figures.non_billable_minutes == 40


entries_strategy = st.lists(st.integers(min_value=1, max_value=bank.MAX_ENTRY_MINUTES), max_size=40)


@given(prepaid=st.integers(min_value=0, max_value=100_000), entries=entries_strategy)
def test_overage_split_adds_up(prepaid, entries):
    split = bank.split_overage(prepaid, entries)
    used = sum(entries)
    assert sum(split) == bank.overage(prepaid, used) == max(0, used - prepaid)
    assert all(0 <= part <= minutes for part, minutes in zip(split, entries, strict=True))
    # Once the bank is overdrawn, every later entry is overage in full.
    running = 0
    for part, minutes in zip(split, entries, strict=True):
        if running >= prepaid:
            assert part == minutes
        running += minutes


@given(prepaid=st.integers(min_value=0, max_value=100_000), entries=entries_strategy)
def test_usage_never_negative(prepaid, entries):
    usage = bank.Usage(prepaid_minutes=prepaid, used_minutes=sum(entries))
    assert usage.used_minutes >= 0
    assert usage.remaining_minutes >= 0
    assert usage.remaining_minutes - usage.overage_minutes == usage.balance_minutes


@given(
    prepaid=st.integers(min_value=0, max_value=100_000),
    months=st.lists(st.tuples(entries_strategy, entries_strategy), min_size=1, max_size=6),
)
def test_months_chain(prepaid, months):
    """Each month opens where the last closed, and the months' overage adds up to the whole overage."""
    before, previous_closing, total_overage = 0, prepaid, 0
    for billable, other in months:
        figures = bank.month_figures(prepaid, before, sum(billable), sum(other))
        assert figures.opening_minutes == previous_closing
        previous_closing = figures.closing_minutes
        total_overage += figures.overage_minutes
        before += sum(billable)
    assert total_overage == max(0, before - prepaid)


@given(hours=st.integers(min_value=0, max_value=23), minutes=st.integers(min_value=0, max_value=59))
def test_hours_and_minutes_round_trip(hours, minutes):
    total = hours * 60 + minutes
    if total == 0:
        return
    assert bank.parse_duration(f"{hours}h{minutes}") == total
    assert bank.parse_duration(f"{hours}:{minutes:02d}") == total
    assert bank.parse_duration(bank.format_minutes(total)) == total
