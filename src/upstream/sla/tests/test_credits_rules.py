"""The pure counting rules of service reports: which month a cycle belongs to, months in a time zone, the credit
formula with cents rounded half-up. No database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from upstream.sla.credits import Cycle, Month, Terms, Verdict, build_report, credit_owed, month_verdicts, settled
from upstream.sla.targets import Metric, State

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOV = Month(2026, 11)
START, END = NOV.start(SHANGHAI), NOV.end(SHANGHAI)
T = START + timedelta(days=10)
FR = Metric.FIRST_RESPONSE


def cycle(state, due=None, fulfilled=None, breached=False, metric=FR, priority=3):
    return Cycle(metric, priority, state, due_at=due, fulfilled_at=fulfilled, breached=breached)


@pytest.mark.smoke
def test_months_are_cut_at_local_midnight():
    assert NOV.start(SHANGHAI) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert NOV.end(SHANGHAI) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert Month(2026, 12).end(SHANGHAI) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    # New York leaves daylight saving on 1 Nov 2026: November starts at 04:00 UTC, December at 05:00.
    new_york = ZoneInfo("America/New_York")
    assert NOV.start(new_york) == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert NOV.end(new_york) == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert Month.parse("2026-11") == NOV and str(NOV) == "2026-11"
    assert NOV.previous() == Month(2026, 10) and Month(2026, 12).next() == Month(2027, 1)
    for bad in ("2026-13", "2026-1", "26-11", "2026/11", "2026-00"):
        with pytest.raises(ValueError):
            Month.parse(bad)


@pytest.mark.smoke
def test_the_credit_formula_rounds_half_up_to_cents():
    terms = Terms(Decimal("999.99"), "CNY", Decimal("3.33"), Decimal("10"))
    assert credit_owed(terms, 0).amount == Decimal("0.00")
    assert credit_owed(terms, 1).amount == Decimal("33.30")  # 999.99 × 3.33 % = 33.299667
    assert credit_owed(terms, 2).amount == Decimal("66.60")  # 66.599334
    three = credit_owed(terms, 3)
    assert three.amount == Decimal("99.90") and not three.capped  # 9.99 %
    four = credit_owed(terms, 4)
    assert four.capped and four.percent == Decimal("10") and four.amount == Decimal("100.00")  # 99.999 → 100.00
    assert credit_owed(Terms(Decimal("0.05"), "EUR", Decimal("10"), Decimal("100")), 1).amount == Decimal("0.01")
    with pytest.raises(ValueError):
        Terms(Decimal("-1"))
    with pytest.raises(ValueError):
        Terms(Decimal("1"), "EUR", Decimal("101"))


def test_verdicts():
    assert settled(cycle(State.FULFILLED, due=T, fulfilled=T)) == Verdict.MET  # exactly at the due instant: in time
    assert settled(cycle(State.FULFILLED, due=T, fulfilled=T + timedelta(seconds=1), breached=True)) == Verdict.BREACHED
    assert settled(cycle(State.BREACHED, due=T, breached=True)) == Verdict.BREACHED
    assert settled(cycle(State.PAUSED, due=T, breached=True)) == Verdict.BREACHED  # overdue, then waiting on them
    assert settled(cycle(State.PAUSED)) is None
    assert settled(cycle(State.RUNNING, due=T)) is None
    assert settled(cycle(State.NOT_APPLICABLE)) is None


def test_open_cycles_count_only_when_due_within_the_running_month():
    running = [cycle(State.RUNNING, due=END - timedelta(seconds=1)), cycle(State.RUNNING, due=END), cycle(State.PAUSED)]
    assert [v for _, v in month_verdicts(running, [], END)] == [Verdict.OPEN]


def test_a_cycle_decided_at_an_earlier_month_end_is_not_counted_again():
    # Met in October, then (a reopening that continues the clock) fulfilled again in November: October's.
    earlier = [cycle(State.FULFILLED, due=T, fulfilled=START - timedelta(days=1))]
    now = [cycle(State.FULFILLED, due=T, fulfilled=T), cycle(State.FULFILLED, due=T, fulfilled=T)]
    assert len(month_verdicts(now, [earlier], END)) == 1
    # Overdue at October's end, re-targeted later: still October's breach, never November's.
    assert month_verdicts(now[:1], [[cycle(State.BREACHED, due=START - timedelta(hours=1), breached=True)]], END) == []


def test_the_report_has_every_metric_and_priority_and_totals():
    counted = [
        (cycle(State.FULFILLED, due=T, fulfilled=T), Verdict.MET),
        (cycle(State.BREACHED, due=T, breached=True, priority=1), Verdict.BREACHED),
        (cycle(State.RUNNING, due=T, metric=Metric.RESOLUTION), Verdict.OPEN),
    ]
    report = build_report(
        counted, month=NOV, start=START, end=END, as_of=T, terms=Terms(Decimal(100), "USD", Decimal(10), Decimal(50))
    )
    assert [(r.metric, r.priority) for r in report.rows][:5] == [
        (FR, 1),
        (FR, 2),
        (FR, 3),
        (FR, 4),
        (Metric.NEXT_RESPONSE, 1),
    ]
    assert (report.total.met, report.total.breached, report.total.open) == (1, 1, 1)
    assert report.metric_totals[0].compliance == Decimal("50.0")
    assert report.metric_totals[2].compliance is None  # nothing decided yet
    assert report.credit.amount == Decimal("10.00")
    assert not report.complete
