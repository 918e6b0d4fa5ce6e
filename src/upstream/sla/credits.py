"""Service credits: a contract's SLA report for one month and the credit owed under its plan's terms. Pure: standard
library and the pure SLA modules only; the caller evaluates the tickets and passes plain cycles in.

Which cycles a month counts (docs/sla.md, "Service credits", states the same rules):

- A cycle's **verdict** is known once it is *fulfilled* (met when in time, breached when late) or once it is still
  open (running or paused) *past its due instant* (breached: an overdue cycle counts as breached at once, whatever
  happens later).
- Each month is judged **as at its end** (the first instant of the next month in the contract organisation's time
  zone), or as at `now` while it is still running: the tickets are replayed up to that instant.
- A cycle counts in **the first month at whose end its verdict is known**, with that verdict, and in no other month.
  In practice: a met cycle in the month it was fulfilled, a breached one in the month it fell due. (The first-month
  rule makes it exact in the rare cases where later history moves a verdict: a priority change re-targeting an
  overdue cycle, or a reopening that continues a resolved cycle's clock.)
- A cycle still open at the month's end and not yet due is not counted in it; it counts in the month its verdict
  becomes known. In the running month, an open cycle whose due instant falls before the month's end is shown as
  **open** (it may still be met); once the month is over there are none.
- Cycles without a target (a metric the policy does not commit to) are never counted.
- A cycle's priority is the ticket's priority whose target judged it: at fulfilment for a fulfilled cycle, at the
  instant the month is judged for an open one.

Credit: `monthly_fee × min(cap, breaches × percent per breach) / 100`, rounded half-up to cents, where breaches are
all the breached cycles the month counts, every metric and priority together.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from upstream.sla.targets import Metric, State

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
METRICS: tuple[Metric, ...] = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION)
PRIORITIES: tuple[int, ...] = (1, 2, 3, 4)  # customers.Priority's values, which this pure module cannot import


class Verdict(StrEnum):
    MET = "met"
    BREACHED = "breached"
    OPEN = "open"  # the running month only: due before the month's end, not yet decided


@dataclass(frozen=True)
class Terms:
    """A plan's credit terms. Percentages are of the monthly fee; the cap bounds one month's credit."""

    monthly_fee: Decimal = Decimal(0)
    currency: str = ""
    percent_per_breach: Decimal = Decimal(0)
    cap_percent: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        for name in ("monthly_fee", "percent_per_breach", "cap_percent"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValueError(f"{name}: expected a Decimal ≥ 0, got {value!r}")
        for name in ("percent_per_breach", "cap_percent"):
            if getattr(self, name) > HUNDRED:
                raise ValueError(f"{name}: expected a percentage between 0 and 100")

    @property
    def has_terms(self) -> bool:
        return self.monthly_fee > 0 and self.percent_per_breach > 0 and self.cap_percent > 0


@dataclass(frozen=True)
class Cycle:
    """One metric cycle of a ticket as evaluated at some instant (a `targets.MetricTarget` in plain form)."""

    metric: Metric
    priority: int
    state: State
    due_at: datetime | None = None
    fulfilled_at: datetime | None = None
    breached: bool = False


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 9998:
            raise ValueError(f"no such month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """ "2026-11" → Month(2026, 11); ValueError otherwise."""
        year, sep, month = text.partition("-")
        if not sep or len(year) != 4 or len(month) != 2 or not year.isdigit() or not month.isdigit():
            raise ValueError(f"expected YYYY-MM, got {text!r}")
        return cls(int(year), int(month))

    @classmethod
    def of(cls, moment: datetime, zone: ZoneInfo) -> Month:
        local = moment.astimezone(zone)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        return stdlib_calendar.monthrange(self.year, self.month)[1]

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def start(self, zone: ZoneInfo) -> datetime:
        """The month's first instant: local midnight of its first day in `zone`, as UTC."""
        return datetime(self.year, self.month, 1, tzinfo=zone).astimezone(UTC)

    def end(self, zone: ZoneInfo) -> datetime:
        """The first instant after the month (exclusive): the next month's start."""
        return self.next().start(zone)


def month_ends_between(first: datetime, last: datetime, zone: ZoneInfo) -> list[datetime]:
    """The month ends (next months' starts) in `zone` that lie in (first, last], oldest first."""
    ends: list[datetime] = []
    month = Month.of(first, zone)
    while (end := month.end(zone)) <= last:
        if end > first:
            ends.append(end)
        month = month.next()
    return ends


# ---------------------------------------------------------------- which cycles count


def settled(cycle: Cycle) -> Verdict | None:
    """The verdict known when `cycle` was evaluated: met or breached, or None while it is open and not yet due."""
    if cycle.state == State.FULFILLED:
        return Verdict.BREACHED if cycle.breached else Verdict.MET
    if cycle.state in (State.RUNNING, State.PAUSED, State.BREACHED) and cycle.breached:
        return Verdict.BREACHED
    return None


def month_verdicts(
    current: Sequence[Cycle], earlier: Iterable[Sequence[Cycle]], end: datetime
) -> list[tuple[Cycle, Verdict]]:
    """The cycles of one ticket that a month counts, with their verdicts.

    `current`: the ticket's cycles evaluated as at the month's end (or now, if earlier); `earlier`: the same
    ticket's cycles evaluated at each earlier month end (since a replay up to an earlier instant starts the same
    cycles in the same order, cycle i is the same cycle in each list); `end`: the month's end.
    """
    decided_before: set[int] = set()
    for cycles in earlier:
        decided_before.update(index for index, cycle in enumerate(cycles) if settled(cycle) is not None)
    counted: list[tuple[Cycle, Verdict]] = []
    for index, cycle in enumerate(current):
        if index in decided_before or cycle.state == State.NOT_APPLICABLE:
            continue
        verdict = settled(cycle)
        if verdict is None and cycle.due_at is not None and cycle.due_at < end:
            verdict = Verdict.OPEN
        if verdict is not None:
            counted.append((cycle, verdict))
    return counted


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class Row:
    metric: Metric | None  # None: the grand total
    priority: int | None  # None: a total row
    met: int = 0
    breached: int = 0
    open: int = 0

    @property
    def counted(self) -> int:
        return self.met + self.breached + self.open

    @property
    def compliance(self) -> Decimal | None:
        """Met as a percentage of the decided cycles (met + breached), one decimal; None when none is decided."""
        decided = self.met + self.breached
        if decided == 0:
            return None
        return (Decimal(self.met) * HUNDRED / Decimal(decided)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Credit:
    breaches: int
    percent: Decimal  # of the monthly fee, after the cap
    uncapped_percent: Decimal
    amount: Decimal
    capped: bool


def credit_owed(terms: Terms, breaches: int) -> Credit:
    """`monthly_fee × min(cap, breaches × percent) / 100`, rounded half-up to cents."""
    if breaches < 0:
        raise ValueError("breaches: expected a count ≥ 0")
    uncapped = Decimal(breaches) * terms.percent_per_breach
    percent = min(terms.cap_percent, uncapped)
    amount = (terms.monthly_fee * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return Credit(breaches, percent, uncapped, amount, capped=uncapped > terms.cap_percent)


@dataclass(frozen=True)
class Report:
    month: Month
    start: datetime
    end: datetime
    as_of: datetime  # the instant the month was judged: its end, or now while it runs
    terms: Terms
    rows: tuple[Row, ...]  # metric × priority, every combination, in METRICS × priorities order
    metric_totals: tuple[Row, ...]
    total: Row
    credit: Credit

    @property
    def complete(self) -> bool:
        """Whether the month is over (otherwise the figures are so far, and may still change)."""
        return self.as_of >= self.end


def build_report(
    counted: Iterable[tuple[Cycle, Verdict]],
    *,
    month: Month,
    start: datetime,
    end: datetime,
    as_of: datetime,
    terms: Terms,
    priorities: Sequence[int] = PRIORITIES,
) -> Report:
    """Counts per metric × priority and the credit owed, from the cycles `month_verdicts` picked."""
    tally: dict[tuple[Metric, int], dict[Verdict, int]] = {
        (metric, priority): dict.fromkeys(Verdict, 0) for metric in METRICS for priority in priorities
    }
    for cycle, verdict in counted:
        key = (cycle.metric, cycle.priority)
        if key not in tally:
            tally[key] = dict.fromkeys(Verdict, 0)
        tally[key][verdict] += 1
    ordered = sorted(tally, key=lambda key: (METRICS.index(key[0]), key[1]))
    rows = tuple(
        Row(metric, priority, tally[metric, priority][Verdict.MET], tally[metric, priority][Verdict.BREACHED],
            tally[metric, priority][Verdict.OPEN])
        for metric, priority in ordered
    )  # fmt: skip
    metric_totals = tuple(_sum(metric, [row for row in rows if row.metric == metric]) for metric in METRICS)
    total = _sum(None, list(rows))
    return Report(
        month=month,
        start=start,
        end=end,
        as_of=as_of,
        terms=terms,
        rows=rows,
        metric_totals=metric_totals,
        total=total,
        credit=credit_owed(terms, total.breached),
    )


def _sum(metric: Metric | None, rows: Sequence[Row]) -> Row:
    return Row(
        metric,
        None,
        met=sum(row.met for row in rows),
        breached=sum(row.breached for row in rows),
        open=sum(row.open for row in rows),
    )
