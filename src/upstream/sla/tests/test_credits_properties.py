"""Invariants of the service-credit computation (Hypothesis): the credit never exceeds the cap, never falls when
breaches grow, is exactly the formula; every counted cycle is met, breached or open; and a cycle whose due and
fulfilment instants stay fixed counts in exactly one month once its verdict is known."""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from upstream.sla.credits import METRICS, Cycle, Month, Terms, Verdict, build_report, credit_owed, month_verdicts
from upstream.sla.targets import State

percent = st.decimals(min_value=0, max_value=100, places=2)
fee = st.decimals(min_value=0, max_value=10_000_000, places=2)
terms = st.builds(Terms, fee, st.just("CNY"), percent, percent)
ZONES = [ZoneInfo(name) for name in ("Asia/Shanghai", "America/New_York", "Europe/Berlin", "UTC", "Asia/Kolkata")]
BASE = datetime(2025, 12, 15, tzinfo=UTC)
instants = st.integers(min_value=0, max_value=200 * 24 * 3600).map(lambda s: BASE + timedelta(seconds=s))


@given(terms, st.integers(min_value=0, max_value=1000))
def test_the_credit_never_exceeds_the_cap(t, breaches):
    credit = credit_owed(t, breaches)
    cap = (t.monthly_fee * t.cap_percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(0) <= credit.amount <= cap
    assert credit.percent <= t.cap_percent


@given(terms, st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=50))
def test_the_credit_is_monotone_in_breaches(t, breaches, more):
    assert credit_owed(t, breaches).amount <= credit_owed(t, breaches + more).amount


@given(terms, st.integers(min_value=0, max_value=1000))
def test_the_credit_is_the_formula(t, breaches):
    expected = t.monthly_fee * min(t.cap_percent, breaches * t.percent_per_breach) / 100
    assert credit_owed(t, breaches).amount == expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _as_of(due: datetime, fulfilled: datetime | None, moment: datetime, priority: int, metric) -> Cycle:
    """A cycle with fixed due and fulfilment instants, as an evaluation at `moment` sees it."""
    if fulfilled is not None and fulfilled <= moment:
        return Cycle(metric, priority, State.FULFILLED, due, fulfilled, breached=fulfilled > due)
    late = moment > due
    return Cycle(metric, priority, State.BREACHED if late else State.RUNNING, due, None, breached=late)


cycles = st.lists(
    st.tuples(instants, st.none() | instants, st.integers(1, 4), st.sampled_from(METRICS)), min_size=0, max_size=25
)


@given(cycles, st.sampled_from(ZONES), st.integers(0, 6), instants)
def test_counted_cycles_are_met_breached_or_open(raw, zone, offset, now):
    month = Month(2026, 1 + offset)
    start, end = month.start(zone), month.end(zone)
    as_of = min(end, now)
    current = [_as_of(d, f, as_of, p, m) for d, f, p, m in raw]
    earlier = [[_as_of(d, f, start, p, m) for d, f, p, m in raw]]
    counted = month_verdicts(current, earlier, end)
    report = build_report(counted, month=month, start=start, end=end, as_of=as_of, terms=Terms())
    assert report.total.met + report.total.breached + report.total.open == len(counted) == report.total.counted
    assert sum(row.counted for row in report.rows) == len(counted)
    assert report.credit.breaches == sum(1 for _, v in counted if v == Verdict.BREACHED)
    if as_of >= end:
        assert report.total.open == 0  # a finished month has nothing undecided


@given(instants, st.none() | instants, st.sampled_from(ZONES))
def test_a_settled_cycle_counts_in_exactly_one_month(due, fulfilled, zone):
    months = [Month(2025, 12)] + [Month(2026, m) for m in range(1, 8)]
    counts = []
    for month in months:
        start, end = month.start(zone), month.end(zone)
        current = [_as_of(due, fulfilled, end, 3, METRICS[0])]
        earlier = [[_as_of(due, fulfilled, m.end(zone), 3, METRICS[0])] for m in months if m.end(zone) <= start]
        counts.append(len(month_verdicts(current, earlier, end)))
    verdict_at = min(due, fulfilled) if fulfilled is not None else due
    if verdict_at >= months[0].start(zone) and verdict_at < months[-1].end(zone) - timedelta(seconds=1):
        assert sum(counts) == 1
        # … and in the month of its verdict: fulfilment if in time, else the due instant.
        assert counts.index(1) == months.index(Month.of(verdict_at, zone))
    assert sum(counts) <= 1 or verdict_at < months[0].start(zone)
