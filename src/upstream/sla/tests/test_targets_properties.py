"""Properties of SLA targets over random histories, and agreement with a brute-force per-minute oracle.

Histories mix customer messages, agent replies, internal notes, any status change and policy changes (targets,
warning thresholds, the reopen rule and calendars all change), on the random calendars of the calendar properties
(lunch breaks, holidays, 调休, breaks, daylight-saving zones) and 24×7.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from upstream.sla.calendar import WEEKDAYS, BusinessCalendar
from upstream.sla.targets import (
    AgentPublicReply,
    Created,
    CustomerMessage,
    InternalNote,
    Metric,
    Policy,
    PolicyChanged,
    State,
    Status,
    StatusChanged,
    Target,
    compute,
)
from upstream.sla.tests.test_calendar_properties import Oracle as CalendarOracle
from upstream.sla.tests.test_calendar_properties import calendars, instants

pytestmark = pytest.mark.smoke

ORACLE_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AROUND_THE_CLOCK = {
    "tz": "UTC",
    "hours": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
    "holidays": [],
    "extra_workdays": {},
    "breaks": {},
}
DONE = {Status.RESOLVED, Status.CLOSED}


def at(t):
    return datetime.fromtimestamp(t, UTC)


@dataclass(frozen=True)
class Case:
    policy: Policy
    created: int
    events: tuple  # (t, kind, payload), sorted, whole minutes
    now: int
    oracles: dict = field(hash=False)  # BusinessCalendar → CalendarOracle

    def to_events(self, now=None):
        built = [Created(at(self.created))]
        for t, kind, payload in self.events:
            if kind == "status":
                built.append(StatusChanged(at(t), *payload))
            elif kind == "policy":
                built.append(PolicyChanged(at(t), payload))
            else:
                built.append(
                    {"customer": CustomerMessage, "agent": AgentPublicReply, "note": InternalNote}[kind](at(t))
                )
        return built


@st.composite
def policies(draw, calendar_choices):
    def target():
        minutes = draw(st.integers(1, 24)) * 20  # whole minutes at every warning fraction below
        return Target(minutes * 60, draw(st.sampled_from(calendar_choices)), "test")

    return Policy(
        *(None if draw(st.sampled_from([False, False, False, False, False, True])) else target() for _ in Metric),
        warn_at=draw(st.sampled_from([0.5, 0.75, 0.9])),
        reopen_restarts_resolution=draw(st.booleans()),
    )


@st.composite
def cases(draw, one_calendar=False, max_events=8):
    description, anchor = draw(calendars())
    descriptions = (
        [description] if one_calendar else [description, draw(st.sampled_from([AROUND_THE_CLOCK, description]))]
    )
    oracles = {BusinessCalendar.from_description(d): CalendarOracle(d) for d in descriptions}
    choices = list(oracles)
    created = draw(instants(anchor))
    created -= created % 60
    events, t = [], created
    for _ in range(draw(st.integers(0, max_events))):
        t += 60 * draw(st.one_of(st.integers(0, 600), st.sampled_from([0, 30, 60, 90])))
        kind = draw(st.sampled_from(["customer", "agent", "note", "status", "status", "policy"]))
        payload = None
        if kind == "status":
            payload = draw(st.sampled_from(list(Status)))
        elif kind == "policy":
            payload = draw(policies(choices))
        events.append((t, kind, payload))
    now = t + 60 * draw(st.integers(0, 3000))
    # Status changes record the status they leave, as the ticket's log would.
    current, recorded = Status.NEW, []
    for t, kind, payload in events:
        if kind == "status":
            recorded.append((t, kind, (current, payload)))
            current = payload
        else:
            recorded.append((t, kind, payload))
    return Case(draw(policies(choices)), created, tuple(recorded), now, oracles)


# ---------------------------------------------------------------- the oracle


@dataclass
class OracleCycle:
    metric: Metric
    start: int
    counted: list = field(default_factory=list)  # (minute, target in force then)
    paused: int = 0
    end: int | None = None
    end_policy: Policy | None = None


def runs(metric, status):
    return status != Status.WAITING_CUSTOMER and (metric != Metric.RESOLUTION or status not in DONE)


class Simulation:
    """Steps through the history one real minute at a time, from the rules as docs/sla.md states them."""

    def __init__(self, case):
        self.case, self.policy, self.status = case, case.policy, Status.NEW
        self.cycles = []
        self.first = self.start(Metric.FIRST_RESPONSE, case.created)
        self.resolution = self.start(Metric.RESOLUTION, case.created)
        self.next = None
        pending = list(case.events)
        minute = case.created
        while True:
            while pending and pending[0][0] == minute:
                self.apply(*pending.pop(0))
            if minute >= case.now:
                break
            for cycle in self.open():
                if runs(cycle.metric, self.status):
                    cycle.counted.append((minute, self.policy.target(cycle.metric)))
                else:
                    cycle.paused += 60
            minute += 60

    def start(self, metric, t):
        cycle = OracleCycle(metric, t)
        self.cycles.append(cycle)
        return cycle

    def open(self):
        return [c for c in (self.first, self.next, self.resolution) if c is not None and c.end is None]

    def apply(self, t, kind, payload):
        if kind == "status":
            before, self.status = self.status, payload[1]
            if self.status in DONE and before not in DONE:
                for cycle in self.open():
                    cycle.end, cycle.end_policy = t, self.policy
            elif before in DONE and self.status not in DONE:
                if self.policy.reopen_restarts_resolution:
                    self.resolution = self.start(Metric.RESOLUTION, t)
                else:
                    self.resolution.paused += t - self.resolution.end
                    self.resolution.end = self.resolution.end_policy = None
        elif kind == "policy":
            self.policy = payload
        elif kind == "customer":
            if self.first.end is not None and (self.next is None or self.next.end is not None):
                self.next = self.start(Metric.NEXT_RESPONSE, t)
        elif kind == "agent":
            for cycle in (self.first, self.next):
                if cycle is not None and cycle.end is None:
                    cycle.end, cycle.end_policy = t, self.policy

    def evaluate(self, cycle, metric):
        policy = cycle.end_policy if cycle is not None and cycle.end_policy is not None else self.policy
        target = policy.target(metric)
        if cycle is None or target is None:
            return (metric, State.NOT_APPLICABLE)
        total = target.seconds
        warn = max(1, math.ceil(total * Fraction(str(policy.warn_at))))
        found = {"due": None, "warn": None}
        elapsed = 0

        def step(minute, calendar):
            nonlocal elapsed
            if self.case.oracles[calendar].working_minute(minute):
                for name, amount in (("due", total), ("warn", warn)):
                    if found[name] is None and elapsed + 60 >= amount:
                        found[name] = minute + amount - elapsed
                elapsed += 60

        for minute, in_force in cycle.counted:
            step(minute, (in_force or target).calendar)
        counted = elapsed
        running = cycle.end is None and runs(metric, self.status)
        if cycle.end is not None or running:
            cursor = cycle.end if cycle.end is not None else self.case.now
            while None in found.values():
                step(cursor, target.calendar)
                cursor += 60
        due = found["due"]
        if cycle.end is not None:
            state, breached = State.FULFILLED, cycle.end > due
        else:
            late = due is not None and self.case.now > due
            state = (State.BREACHED if late else State.RUNNING) if running else State.PAUSED
            breached = late
        return (metric, state, due, found["warn"], cycle.end, breached, counted, cycle.paused)


def observed(metric_target):
    m = metric_target
    if m.state == State.NOT_APPLICABLE:
        return (m.metric, m.state)
    ts = [None if x is None else int(x.timestamp()) for x in (m.due_at, m.warn_at, m.fulfilled_at)]
    return (m.metric, m.state, *ts, m.breached, m.elapsed_seconds, m.paused_seconds)


# ---------------------------------------------------------------- properties


@ORACLE_SETTINGS
@given(cases())
def test_targets_agree_with_a_per_minute_oracle(case):
    result = compute(case.policy, case.to_events(), at(case.now))
    simulation = Simulation(case)
    assert [observed(m) for m in result.history] == [simulation.evaluate(c, c.metric) for c in simulation.cycles]
    assert observed(result.next_response) == simulation.evaluate(simulation.next, Metric.NEXT_RESPONSE)


@settings(max_examples=200, deadline=None)
@given(cases(), st.integers(0, 100 * 86400))
def test_fulfilled_metrics_do_not_depend_on_now(case, later):
    events = case.to_events()
    first = compute(case.policy, events, at(case.now))
    second = compute(case.policy, events, at(case.now + later))
    for before, after in zip(first.history, second.history, strict=True):
        if before.state == State.FULFILLED:
            assert after == before
        if before.state in (State.RUNNING, State.BREACHED) and after.state in (State.RUNNING, State.BREACHED):
            assert after.due_at == before.due_at  # replayed from history, not measured from now


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Shanghai"]),
    st.integers(1_735_689_600, 1_767_225_600),  # any second of 2025
    st.integers(60, 10 * 86400),  # targets
    st.integers(0, 5 * 86400),  # when the pause starts, after creation
    st.integers(1, 5 * 86400),  # its length
)
def test_a_pause_shifts_a_running_deadline_by_its_length_around_the_clock(zone, created, amount, start, length):
    calendar = BusinessCalendar.around_the_clock(zone)
    policy = Policy(Target(amount, calendar), resolution=Target(amount, calendar))
    pause, resume = at(created + start), at(created + start + length)
    now = resume + timedelta(seconds=1)
    plain = compute(policy, [Created(at(created)), StatusChanged(resume, "new", "open")], now)
    paused = compute(
        policy,
        [
            Created(at(created)),
            StatusChanged(pause, "new", "waiting_customer"),
            StatusChanged(resume, "waiting_customer", "open"),
        ],
        now,
    )
    for without, with_pause in ((plain.first_response, paused.first_response), (plain.resolution, paused.resolution)):
        assert without.due_at == at(created + amount)
        if pause < without.due_at:
            assert with_pause.due_at == without.due_at + timedelta(seconds=length)
        else:
            assert with_pause.due_at == without.due_at  # breached before the pause began
        assert with_pause.paused_seconds == length


@ORACLE_SETTINGS
@given(cases(one_calendar=True))
def test_due_and_warning_instants_are_working_time_or_exactly_a_closing(case):
    [oracle] = case.oracles.values()
    result = compute(case.policy, case.to_events(), at(case.now))
    for metric in result.history:
        for instant in (metric.due_at, metric.warn_at):
            if instant is None:
                continue
            t = int(instant.timestamp())
            assert oracle.is_open(t) or (oracle.is_open(t - 1) and not oracle.is_open(t))


@settings(max_examples=50, deadline=None)
@given(cases())
def test_events_given_out_of_order_replay_the_same(case):
    events = case.to_events()
    assume(len(events) > 2)
    shuffled = [events[0], *reversed(events[1:])]
    # Reversing reorders only events at distinct instants; ties keep their given order.
    distinct = len({e.at for e in events}) == len(events)
    assume(distinct)
    assert compute(case.policy, shuffled, at(case.now)) == compute(case.policy, events, at(case.now))
