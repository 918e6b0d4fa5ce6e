"""SLA targets: a ticket's deadlines from its event history. Pure: standard library and the business calendar only;
the clock is an argument (`now`), never read.

`compute(policy, events, now)` replays the ticket's events in order and returns, per metric (first response, next
response, resolution), its state, due and warning instants, fulfilment, breach and an explanation in words. Replaying
the same events always gives the same deadlines: nothing is measured from "now" except how much time has elapsed.

Clock rules:

- First response is due `target` business seconds after creation; the first agent public reply fulfils it. Internal
  notes are never responses.
- Next response: a customer message that follows an agent reply (the first customer message since it) starts a
  cycle; the next agent public reply fulfils it. Before the first response, the first-response clock covers the wait.
- Resolution counts from creation until the ticket is resolved (or closed). Reopening it (resolved → open) starts a
  new cycle or continues the old one, per `Policy.reopen_restarts_resolution` in force at that instant; continuing
  counts the resolved gap as paused time.
- Every clock, of every metric, pauses while the ticket is `waiting_customer` and resumes when it leaves that status
  (`waiting_internal` does not pause). The status comes only from `StatusChanged` events: the service that reopens a
  ticket on the customer's reply records that change. Resolving or closing ends the open response cycles too, as
  fulfilled by the resolution (the customer has an answer).
- A policy change (priority, plan or calendar) splits the running clocks at its instant: time before it is measured
  on the calendar then in force, the rest on the new one, and an open cycle is judged against the new target. The
  due instant is where the elapsed time reaches that target, so a stricter target can put it in the past (breached).
  A finished cycle keeps the verdict of the policy in force when it finished.
- A merged-in ticket brings its creation (the earliest creation starts the clocks) and its conversation (customer
  messages and agent public replies); the surviving ticket's statuses and policy govern.
- Breached means fulfilled after the due instant, or still open with `now` past it; exactly at it is in time.
- Events after `now` are ignored, so `compute` also answers "what was the state at `now`".

Instants are whole seconds (sub-second parts of event times are dropped), results are aware UTC datetimes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from upstream.sla.calendar import BusinessCalendar
from upstream.sla.explain import explain_metric


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class Status(StrEnum):
    """The ticket statuses (the same values as `tickets.rules.StatusValue`, which this pure module cannot import)."""

    NEW = "new"
    OPEN = "open"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_INTERNAL = "waiting_internal"
    RESOLVED = "resolved"
    CLOSED = "closed"


class State(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # waiting on the customer
    FULFILLED = "fulfilled"  # `breached` tells whether it was late
    BREACHED = "breached"  # still open and past due
    NOT_APPLICABLE = "not_applicable"  # no target, or no cycle (next response before the customer writes again)


class Origin(StrEnum):
    """What started a cycle, as the explanation words it."""

    CREATED = "created"
    CUSTOMER_MESSAGE = "customer message"
    REOPENED = "reopened"


class Fulfilment(StrEnum):
    AGENT_REPLY = "agent reply"
    RESOLVED = "resolved"


DONE = frozenset({Status.RESOLVED, Status.CLOSED})
RESPONSES = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE)


class SlaError(ValueError):
    """Invalid policy or history. `field` names the offending part, e.g. "first_response.seconds" or "events[2]"."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Target:
    """A commitment: `seconds` of business time on `calendar` (24×7 is just a calendar). `calendar_name` is how the
    explanation names it, e.g. "Beijing business hours"."""

    seconds: int
    calendar: BusinessCalendar
    calendar_name: str = ""

    @property
    def label(self) -> str:
        return self.calendar_name or self.calendar.tz


@dataclass(frozen=True)
class Policy:
    """Targets per metric (None: no commitment), the warning threshold as a fraction of the target, and whether
    reopening a resolved ticket restarts the resolution clock (True) or continues it (False)."""

    first_response: Target | None = None
    next_response: Target | None = None
    resolution: Target | None = None
    warn_at: float = 0.75
    reopen_restarts_resolution: bool = True
    name: str = ""

    def __post_init__(self) -> None:
        for metric in Metric:
            _check_target(getattr(self, metric.value), metric.value)
        warn = self.warn_at
        if isinstance(warn, bool) or not isinstance(warn, int | float | Fraction) or not 0 < warn < 1:
            raise SlaError("warn_at", f"expected a fraction between 0 and 1 (e.g. 0.75), got {warn!r}")
        if not isinstance(self.reopen_restarts_resolution, bool):
            raise SlaError("reopen_restarts_resolution", "expected True or False")

    def target(self, metric: Metric) -> Target | None:
        target: Target | None = getattr(self, metric.value)
        return target


def _check_target(target: object, where: str) -> None:
    if target is None:
        return
    if not isinstance(target, Target):
        raise SlaError(where, "expected a Target or None")
    seconds = target.seconds
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
        raise SlaError(f"{where}.seconds", f"expected a positive number of seconds, got {seconds!r}")
    if not isinstance(target.calendar, BusinessCalendar):
        raise SlaError(f"{where}.calendar", "expected a BusinessCalendar")


@dataclass(frozen=True)
class Created:
    at: datetime


@dataclass(frozen=True)
class CustomerMessage:
    at: datetime


@dataclass(frozen=True)
class AgentPublicReply:
    at: datetime


@dataclass(frozen=True)
class InternalNote:
    """Recorded for completeness: an internal note never counts as a response."""

    at: datetime


@dataclass(frozen=True)
class StatusChanged:
    """`from_status` is kept for the record; the replay follows `to_status` from the status it has tracked."""

    at: datetime
    from_status: Status
    to_status: Status

    def __post_init__(self) -> None:
        for name in ("from_status", "to_status"):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, Status(value))
            except ValueError:
                raise SlaError(name, f"unknown status {value!r}, expected one of {', '.join(Status)}") from None


@dataclass(frozen=True)
class PolicyChanged:
    """A new policy (priority, plan or calendar change) in force from `at`."""

    at: datetime
    policy: Policy


@dataclass(frozen=True)
class Merged:
    """Another ticket merged into this one at `at`, with its own history (which starts with its `Created`)."""

    at: datetime
    history: tuple[Event, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "history", tuple(self.history))


Event = Created | CustomerMessage | AgentPublicReply | InternalNote | StatusChanged | PolicyChanged | Merged
_CONVERSATION = (CustomerMessage, AgentPublicReply)


# ---------------------------------------------------------------- outputs


@dataclass(frozen=True)
class MetricTarget:
    """One metric's cycle (the current one, or the last), evaluated at `now`.

    `due_at`: where the elapsed business time reaches the target — projected while running, the actual crossing once
    past it, and for a fulfilled cycle the instant it would have been due (None while paused before it). `warn_at`
    likewise for the warning threshold. `elapsed_seconds` is business time, `paused_seconds` wall-clock time.
    """

    metric: Metric
    state: State
    due_at: datetime | None = None
    warn_at: datetime | None = None
    fulfilled_at: datetime | None = None
    breached: bool = False
    warning: bool = False
    elapsed_seconds: int = 0
    paused_seconds: int = 0
    target_seconds: int | None = None
    target: Target | None = None
    origin: Origin | None = None
    started_at: datetime | None = None
    fulfilled_by: Fulfilment | None = None
    paused_since: datetime | None = None
    policy_changed_at: datetime | None = None
    elapsed_at_policy_change: int = 0

    @property
    def remaining_seconds(self) -> int | None:
        """Business seconds left (negative when overdue); None without a target."""
        return None if self.target_seconds is None else self.target_seconds - self.elapsed_seconds

    def explain(self) -> str:
        """In words, instants in the calendar's zone, e.g. "first response due 24 Nov 14:30 CST = created 23 Nov
        16:10 + 4 business hours on 'Beijing business hours', paused 0 min"."""
        return explain_metric(self)


@dataclass(frozen=True)
class SlaTargets:
    """A ticket's SLA at one instant: the current (or last) cycle per metric and every cycle in order (`history`:
    each next-response cycle, and each resolution cycle when reopening restarts it), for reports."""

    first_response: MetricTarget
    next_response: MetricTarget
    resolution: MetricTarget
    history: tuple[MetricTarget, ...] = ()

    @property
    def metrics(self) -> tuple[MetricTarget, MetricTarget, MetricTarget]:
        return (self.first_response, self.next_response, self.resolution)

    def next_deadline(self) -> datetime | None:
        return next_deadline(self)

    def explain(self) -> str:
        return "\n".join(metric.explain() for metric in self.metrics)


def next_deadline(targets: SlaTargets) -> datetime | None:
    """The earliest due instant among running metrics (overdue ones included, they come first): the inbox's
    "time to breach" sort key. None when nothing is running (all paused, fulfilled or without a target)."""
    dues = [m.due_at for m in targets.metrics if m.state in (State.RUNNING, State.BREACHED) and m.due_at is not None]
    return min(dues, default=None)


# ---------------------------------------------------------------- replay


@dataclass
class _Stretch:
    """A stretch of time in which a cycle's clock ran, with the metric's target in force then (None: the policy
    had none, so the final target's calendar measures it). `end` is None while it still runs."""

    start: datetime
    target: Target | None
    end: datetime | None = None


@dataclass
class _Cycle:
    metric: Metric
    origin: Origin
    start: datetime
    stretches: list[_Stretch] = field(default_factory=list)
    stopped_since: datetime | None = None
    paused: timedelta = timedelta(0)
    end: datetime | None = None
    ended_by: Fulfilment | None = None
    end_policy: Policy | None = None
    policy_change: datetime | None = None

    @property
    def running(self) -> bool:
        return bool(self.stretches) and self.stretches[-1].end is None

    def run(self, at: datetime, target: Target | None) -> None:
        if self.stopped_since is not None:
            self.paused += at - self.stopped_since
            self.stopped_since = None
        self.stretches.append(_Stretch(at, target))

    def stop(self, at: datetime) -> None:
        self.stretches[-1].end = at
        self.stopped_since = at

    def split(self, at: datetime, target: Target | None) -> None:
        """A policy change: the time so far stays measured on the old calendar, the rest on the new one."""
        self.policy_change = at
        if self.running:
            self.stretches[-1].end = at
            self.stretches.append(_Stretch(at, target))

    def finish(self, at: datetime, by: Fulfilment, policy: Policy) -> None:
        if self.running:
            self.stretches[-1].end = at
        elif self.stopped_since is not None:
            self.paused += at - self.stopped_since
        self.stopped_since = None
        self.end, self.ended_by, self.end_policy = at, by, policy

    def reopen(self) -> None:
        """Continue after a resolution: the resolved gap counts as paused until the clock runs again."""
        self.stopped_since, self.end, self.ended_by, self.end_policy = self.end, None, None, None


class _Replay:
    """Applies a ticket's events in order, keeping the open cycles' clocks in step with status and policy."""

    def __init__(self, policy: Policy, created: datetime) -> None:
        self.policy = policy
        self.status = Status.NEW
        self.cycles: list[_Cycle] = []
        self.first = self._start(Metric.FIRST_RESPONSE, Origin.CREATED, created)
        self.resolution = self._start(Metric.RESOLUTION, Origin.CREATED, created)
        self.next: _Cycle | None = None

    def apply(self, event: Event) -> None:
        at = event.at
        if isinstance(event, StatusChanged):
            self._status(at, event.to_status)
        elif isinstance(event, PolicyChanged):
            for running in self._open():
                running.split(at, event.policy.target(running.metric))
            self.policy = event.policy
        elif isinstance(event, CustomerMessage):
            # Before the first response is over, the first-response clock already covers the customer's wait.
            if self.first.end is not None and (self.next is None or self.next.end is not None):
                self.next = self._start(Metric.NEXT_RESPONSE, Origin.CUSTOMER_MESSAGE, at)
        elif isinstance(event, AgentPublicReply):
            for waiting in (self.first, self.next):
                if waiting is not None and waiting.end is None:
                    waiting.finish(at, Fulfilment.AGENT_REPLY, self.policy)
        # Created, InternalNote and Merged change no clock: merged conversations arrive as their own events.

    def _start(self, metric: Metric, origin: Origin, at: datetime) -> _Cycle:
        cycle = _Cycle(metric, origin, at)
        self.cycles.append(cycle)
        if _clock_runs(metric, self.status):
            cycle.run(at, self.policy.target(metric))
        else:
            cycle.stopped_since = at
        return cycle

    def _open(self) -> list[_Cycle]:
        return [cycle for cycle in (self.first, self.next, self.resolution) if cycle is not None and cycle.end is None]

    def _status(self, at: datetime, status: Status) -> None:
        before, self.status = self.status, status
        if status in DONE and before not in DONE:
            for cycle in self._open():
                cycle.finish(at, Fulfilment.RESOLVED, self.policy)
        elif before in DONE and status not in DONE:
            if self.policy.reopen_restarts_resolution:
                self.resolution = self._start(Metric.RESOLUTION, Origin.REOPENED, at)
            else:
                self.resolution.reopen()
        for cycle in self._open():
            runs = _clock_runs(cycle.metric, status)
            if runs and not cycle.running:
                cycle.run(at, self.policy.target(cycle.metric))
            elif not runs and cycle.running:
                cycle.stop(at)


def _clock_runs(metric: Metric, status: Status) -> bool:
    if status == Status.WAITING_CUSTOMER:
        return False
    return metric in RESPONSES or status not in DONE


# ---------------------------------------------------------------- evaluation


def _evaluate(cycle: _Cycle | None, metric: Metric, policy: Policy, now: datetime) -> MetricTarget:
    if cycle is not None and cycle.end_policy is not None:
        policy = cycle.end_policy  # a finished cycle is judged by the policy in force when it finished
    target = policy.target(metric)
    if cycle is None or target is None:
        return MetricTarget(metric, State.NOT_APPLICABLE, target=target)
    total, warn = target.seconds, _warn_seconds(target.seconds, policy.warn_at)
    elapsed, at_change, (due, warn_instant) = _measure(cycle, target, (total, warn), cycle.end or now)
    if cycle.end is not None:
        # Fulfilled before the target was reached: the instant it would have been due had the clock run on.
        due = due or target.calendar.add(cycle.end, total - elapsed)
        warn_instant = warn_instant or target.calendar.add(cycle.end, max(warn - elapsed, 0))
    paused = cycle.paused + (now - cycle.stopped_since if cycle.stopped_since is not None else timedelta(0))
    state, breached = _state(cycle, due, now)
    open_cycle = state in (State.RUNNING, State.BREACHED, State.PAUSED)
    return MetricTarget(
        metric,
        state,
        due_at=due,
        warn_at=warn_instant,
        fulfilled_at=cycle.end,
        breached=breached,
        warning=open_cycle and warn_instant is not None and now >= warn_instant,
        elapsed_seconds=elapsed,
        paused_seconds=int(paused.total_seconds()),
        target_seconds=total,
        target=target,
        origin=cycle.origin,
        started_at=cycle.start,
        fulfilled_by=cycle.ended_by,
        paused_since=cycle.stopped_since if cycle.end is None else None,
        policy_changed_at=cycle.policy_change,
        elapsed_at_policy_change=at_change,
    )


def _measure(
    cycle: _Cycle, target: Target, amounts: tuple[int, int], until: datetime
) -> tuple[int, int, list[datetime | None]]:
    """Business time elapsed up to `until`, the part of it before the last policy change, and the instants where
    the elapsed time reaches each of `amounts` (None when not reached and the clock is stopped)."""
    elapsed = at_change = 0
    reached: list[datetime | None] = [None] * len(amounts)
    for stretch in cycle.stretches:
        calendar = (stretch.target or target).calendar
        stop = stretch.end or until
        span = calendar.between(stretch.start, stop) if stop > stretch.start else 0
        # An open stretch runs on forever, so it always reaches the target: the due instant does not depend on now.
        for index, amount in enumerate(amounts):
            if reached[index] is None and (stretch.end is None or elapsed + span >= amount):
                reached[index] = calendar.add(stretch.start, amount - elapsed)
        elapsed += span
        if cycle.policy_change is not None and stretch.end is not None and stretch.end <= cycle.policy_change:
            at_change = elapsed
    return elapsed, at_change, reached


def _state(cycle: _Cycle, due: datetime | None, now: datetime) -> tuple[State, bool]:
    if cycle.end is not None:
        return State.FULFILLED, due is not None and cycle.end > due
    late = due is not None and now > due
    if not cycle.running:
        return State.PAUSED, late
    return (State.BREACHED if late else State.RUNNING), late


def _warn_seconds(total: int, fraction: float) -> int:
    # Exact decimal fractions (0.75, 0.8, 0.9) so a float's last bit never moves the warning by a second.
    return max(1, math.ceil(total * Fraction(str(fraction))))


# ---------------------------------------------------------------- history


def compute(policy: Policy, events: Iterable[Event], now: datetime) -> SlaTargets:
    """The ticket's SLA targets at `now` from the policy in force at its creation and its history (policy changes
    are `PolicyChanged` events). Events after `now` are ignored, so this is also the state as it was at `now`."""
    if not isinstance(policy, Policy):
        raise SlaError("policy", "expected a Policy")
    moment = _utc(now, "now")
    created, ordered = _history(tuple(events), moment, "events")
    replay = _Replay(policy, created)
    for event in ordered:
        replay.apply(event)
    first = _evaluate(replay.first, Metric.FIRST_RESPONSE, replay.policy, moment)
    following = _evaluate(replay.next, Metric.NEXT_RESPONSE, replay.policy, moment)
    resolution = _evaluate(replay.resolution, Metric.RESOLUTION, replay.policy, moment)
    current = {id(replay.first): first, id(replay.resolution): resolution}
    if replay.next is not None:
        current[id(replay.next)] = following
    history = tuple(current.get(id(c)) or _evaluate(c, c.metric, replay.policy, moment) for c in replay.cycles)
    return SlaTargets(first, following, resolution, history)


def _history(events: tuple[Event, ...], now: datetime, where: str) -> tuple[datetime, list[Event]]:
    """The clock's start (the earliest creation, merged tickets included) and the events up to `now` that move a
    clock, in time order (ties keep their given order), with instants in whole UTC seconds."""
    creations = [index for index, event in enumerate(events) if isinstance(event, Created)]
    if len(creations) != 1:
        raise SlaError(where, "a ticket's history needs exactly one Created event")
    created = _utc(events[creations[0]].at, f"{where}[{creations[0]}].at")
    if created > now:
        # At the top `now` is the caller's clock; inside a merge it is the merge instant.
        raise (
            SlaError("now", "precedes the ticket's creation")
            if where == "events"
            else SlaError(where, "the merged ticket was created after the merge")
        )
    start = created
    picked: list[Event] = []
    for index, event in enumerate(events):
        at = _utc(event.at, f"{where}[{index}].at")
        if at < created:
            raise SlaError(f"{where}[{index}]", "precedes the ticket's creation")
        if at > now or isinstance(event, Created | InternalNote):
            continue
        if isinstance(event, Merged):
            merged_start, merged = _history(event.history, at, f"{where}[{index}].history")
            start = min(start, merged_start)
            picked.extend(e for e in merged if isinstance(e, _CONVERSATION))
        else:
            picked.append(event if event.at == at else replace(event, at=at))
    picked.sort(key=lambda event: event.at)
    return start, picked


def _utc(moment: object, where: str) -> datetime:
    if not isinstance(moment, datetime):
        raise SlaError(where, f"expected a datetime, got {type(moment).__name__}")
    if moment.utcoffset() is None:
        raise SlaError(where, "naive datetime: SLA deadlines need aware datetimes")
    return moment.astimezone(UTC).replace(microsecond=0)
