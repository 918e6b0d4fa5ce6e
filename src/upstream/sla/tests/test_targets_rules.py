"""SLA clock rules, one example each: pause and resume, internal notes, next-response cycles, reopening, policy
changes replayed from history, merges, breaches and the warning instant. Times are Beijing wall-clock times on
"Beijing business hours" (Mon–Fri 09:00–12:00 and 13:30–18:00) unless a test says otherwise; 24 Nov 2025 is a Monday.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from upstream.sla.calendar import BusinessCalendar
from upstream.sla.targets import (
    AgentPublicReply,
    Created,
    CustomerMessage,
    Fulfilment,
    InternalNote,
    Merged,
    Metric,
    Origin,
    Policy,
    PolicyChanged,
    State,
    Status,
    StatusChanged,
    Target,
    compute,
    next_deadline,
)
from upstream.tickets.rules import StatusValue

pytestmark = pytest.mark.smoke

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600
BEIJING = BusinessCalendar.from_description(
    {
        "tz": "Asia/Shanghai",
        "hours": {day: [["09:00", "12:00"], ["13:30", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    }
)
AROUND_THE_CLOCK = BusinessCalendar.around_the_clock("Asia/Shanghai")


def bj(day, time):
    """A Beijing wall-clock time in November 2025 (24 = Monday)."""
    hour, minute = (int(part) for part in time.split(":"))
    return datetime(2025, 11, day, hour, minute, tzinfo=SHANGHAI)


def policy(first=4, following=2, resolution=16, calendar=BEIJING, **options):
    def target(hours):
        return None if hours is None else Target(int(hours * HOUR), calendar, "Beijing business hours")

    return Policy(target(first), target(following), target(resolution), **options)


def status(at, before, after):
    return StatusChanged(at, before, after)


P3 = policy()


# ---------------------------------------------------------------- first response


def test_first_response_is_due_target_business_seconds_after_creation():
    result = compute(P3, [Created(bj(23, "16:10"))], now=bj(24, "10:00"))
    first = result.first_response
    assert first.state == State.RUNNING
    assert first.due_at == bj(24, "14:30")  # Sunday evening → Monday 09:00–12:00 and 13:30–14:30
    assert first.due_at.tzinfo == UTC
    assert first.elapsed_seconds == HOUR
    assert first.started_at == bj(23, "16:10")
    assert first.origin == Origin.CREATED


def test_the_first_agent_public_reply_fulfils_the_first_response():
    events = [Created(bj(24, "09:00")), AgentPublicReply(bj(24, "10:15")), AgentPublicReply(bj(24, "11:00"))]
    first = compute(P3, events, now=bj(25, "09:00")).first_response
    assert first.state == State.FULFILLED
    assert first.fulfilled_at == bj(24, "10:15")
    assert first.fulfilled_by == Fulfilment.AGENT_REPLY
    assert not first.breached
    assert first.elapsed_seconds == 75 * 60
    assert first.due_at == bj(24, "14:30")  # the instant it would have been due


def test_internal_notes_are_not_responses():
    events = [Created(bj(24, "09:00")), InternalNote(bj(24, "09:30")), InternalNote(bj(24, "14:00"))]
    first = compute(P3, events, now=bj(24, "15:00")).first_response
    assert first.state == State.BREACHED
    assert first.breached
    assert first.fulfilled_at is None


# ---------------------------------------------------------------- pause and resume


def test_waiting_on_the_customer_pauses_every_clock_and_their_reply_resumes_it():
    events = [
        Created(bj(24, "09:00")),
        status(bj(24, "10:00"), "new", "waiting_customer"),
        CustomerMessage(bj(24, "14:00")),
        status(bj(24, "14:00"), "waiting_customer", "open"),
    ]
    paused = compute(P3, events[:2], now=bj(24, "11:00"))
    assert paused.first_response.state == State.PAUSED
    assert paused.first_response.due_at is None
    assert paused.first_response.paused_since == bj(24, "10:00")
    assert paused.first_response.paused_seconds == HOUR
    assert paused.resolution.state == State.PAUSED
    assert paused.next_deadline() is None

    resumed = compute(P3, events, now=bj(24, "15:00"))
    first = resumed.first_response
    # One business hour before the pause, three after 14:00.
    assert first.state == State.RUNNING
    assert first.due_at == bj(24, "17:00")
    assert first.paused_seconds == 4 * HOUR
    assert first.elapsed_seconds == 2 * HOUR
    assert resumed.resolution.paused_seconds == 4 * HOUR


def test_waiting_internal_does_not_pause():
    events = [Created(bj(24, "09:00")), status(bj(24, "10:00"), "new", "waiting_internal")]
    first = compute(P3, events, now=bj(24, "11:00")).first_response
    assert first.state == State.RUNNING
    assert first.due_at == bj(24, "14:30")


# ---------------------------------------------------------------- next response


def test_each_customer_message_after_an_agent_reply_starts_a_next_response_cycle():
    events = [
        Created(bj(24, "09:00")),
        CustomerMessage(bj(24, "09:10")),  # still covered by the first response
        AgentPublicReply(bj(24, "09:30")),
        CustomerMessage(bj(24, "10:00")),  # cycle 1
        CustomerMessage(bj(24, "10:30")),  # same cycle: the customer is still waiting since 10:00
        InternalNote(bj(24, "10:45")),
        AgentPublicReply(bj(24, "11:00")),
        CustomerMessage(bj(24, "14:00")),  # cycle 2
    ]
    result = compute(P3, events, now=bj(24, "15:00"))
    following = result.next_response
    assert following.state == State.RUNNING
    assert following.started_at == bj(24, "14:00")
    assert following.origin == Origin.CUSTOMER_MESSAGE
    assert following.due_at == bj(24, "16:00")

    cycles = [m for m in result.history if m.metric == Metric.NEXT_RESPONSE]
    assert [(c.started_at, c.fulfilled_at) for c in cycles] == [
        (bj(24, "10:00"), bj(24, "11:00")),
        (bj(24, "14:00"), None),
    ]
    assert cycles[0].state == State.FULFILLED and not cycles[0].breached
    assert cycles[1] == following


def test_next_response_is_not_applicable_until_the_customer_writes_after_a_reply():
    events = [Created(bj(24, "09:00")), AgentPublicReply(bj(24, "09:30"))]
    result = compute(P3, events, now=bj(24, "10:00"))
    assert result.next_response.state == State.NOT_APPLICABLE
    assert result.next_response.due_at is None


# ---------------------------------------------------------------- resolution and reopening


REOPENED = [
    Created(bj(24, "09:00")),
    AgentPublicReply(bj(24, "10:00")),
    status(bj(24, "11:00"), "open", "resolved"),  # two business hours
    CustomerMessage(bj(25, "09:00")),
    status(bj(25, "09:00"), "resolved", "open"),
]


def test_resolving_fulfils_the_resolution():
    resolution = compute(P3, REOPENED[:3], now=bj(24, "12:00")).resolution
    assert resolution.state == State.FULFILLED
    assert resolution.fulfilled_at == bj(24, "11:00")
    assert resolution.fulfilled_by == Fulfilment.RESOLVED
    assert resolution.elapsed_seconds == 2 * HOUR


def test_reopening_restarts_resolution_when_the_policy_says_so():
    result = compute(policy(resolution=8, reopen_restarts_resolution=True), REOPENED, now=bj(25, "10:00"))
    resolution = result.resolution
    assert resolution.state == State.RUNNING
    assert resolution.origin == Origin.REOPENED
    assert resolution.started_at == bj(25, "09:00")
    assert resolution.due_at == bj(26, "09:30")  # 7.5 business hours on Tuesday, half an hour on Wednesday
    earlier = [m for m in result.history if m.metric == Metric.RESOLUTION]
    assert [m.state for m in earlier] == [State.FULFILLED, State.RUNNING]
    assert earlier[0].fulfilled_at == bj(24, "11:00")


def test_reopening_continues_resolution_when_the_policy_says_so():
    result = compute(policy(resolution=8, reopen_restarts_resolution=False), REOPENED, now=bj(25, "10:00"))
    resolution = result.resolution
    assert resolution.state == State.RUNNING
    assert resolution.origin == Origin.CREATED
    assert resolution.due_at == bj(25, "16:30")  # 2 h used on Monday, 6 h left from Tuesday 09:00
    assert resolution.elapsed_seconds == 3 * HOUR
    assert resolution.paused_seconds == 22 * HOUR  # the clock stood still while resolved
    assert [m.metric for m in result.history].count(Metric.RESOLUTION) == 1


def test_resolving_without_a_reply_ends_the_open_response_cycles():
    events = [Created(bj(24, "09:00")), status(bj(24, "09:20"), "new", "resolved")]
    first = compute(P3, events, now=bj(24, "10:00")).first_response
    assert first.state == State.FULFILLED
    assert first.fulfilled_by == Fulfilment.RESOLVED


# ---------------------------------------------------------------- policy changes


def test_a_policy_change_recomputes_from_the_tickets_history():
    """P3 (16 business hours on Beijing hours) raised to P1 (4 hours around the clock) after 2 business hours: the
    elapsed time is measured on the calendar then in force, the rest of the new target on the new one."""
    p1 = policy(first=1, following=1, resolution=4, calendar=AROUND_THE_CLOCK)
    events = [Created(bj(24, "09:00")), AgentPublicReply(bj(24, "09:30")), PolicyChanged(bj(24, "15:30"), p1)]
    # 09:00–12:00 and 13:30–15:30 on the old calendar: 5 business hours already, more than P1's 4.
    result = compute(P3, events, now=bj(24, "16:00"))
    resolution = result.resolution
    assert resolution.elapsed_seconds == 5 * HOUR + 30 * 60
    assert resolution.due_at == bj(24, "14:30")  # where the history reached 4 hours
    assert resolution.state == State.BREACHED
    assert resolution.policy_changed_at == bj(24, "15:30")
    assert resolution.elapsed_at_policy_change == 5 * HOUR

    # Raised earlier, at 10:00, with one business hour elapsed: three hours left around the clock.
    early = compute(P3, [*events[:2], PolicyChanged(bj(24, "10:00"), p1)], now=bj(24, "11:00")).resolution
    assert early.due_at == bj(24, "13:00")
    assert early.state == State.RUNNING
    # The fulfilled first response keeps the verdict of the policy it was fulfilled under.
    assert result.first_response.target_seconds == 4 * HOUR


def test_policy_change_deadlines_do_not_depend_on_now():
    holiday = BusinessCalendar.from_description({**BEIJING.to_description(), "holidays": ["2025-11-25"]})
    edited = policy(calendar=holiday)  # a calendar edit is a new policy from the instant of the edit
    events = [Created(bj(24, "09:00")), PolicyChanged(bj(24, "10:00"), edited)]
    results = [compute(P3, events, now=bj(24, "10:30") + timedelta(hours=h)).resolution for h in (0, 3, 30, 300)]
    assert {r.due_at for r in results} == {bj(27, "10:00")}  # Tuesday is now a holiday: 7.5 h Monday, 7.5 h Wednesday
    assert [r.state for r in results] == [State.RUNNING, State.RUNNING, State.RUNNING, State.BREACHED]


def test_a_policy_without_the_metric_makes_it_not_applicable():
    events = [Created(bj(24, "09:00")), PolicyChanged(bj(24, "10:00"), policy(first=None))]
    first = compute(P3, events, now=bj(24, "11:00")).first_response
    assert first.state == State.NOT_APPLICABLE
    assert first.target is None


# ---------------------------------------------------------------- merges


def test_a_merged_in_ticket_that_was_created_earlier_keeps_its_clock():
    older = (Created(bj(21, "16:00")), CustomerMessage(bj(21, "16:00")))  # Friday, two business hours before close
    events = [Created(bj(24, "09:00")), Merged(bj(24, "09:30"), older)]
    result = compute(P3, events, now=bj(24, "10:00"))
    assert result.first_response.started_at == bj(21, "16:00")
    assert result.first_response.due_at == bj(24, "11:00")  # 2 h on Friday, 2 h on Monday
    assert result.resolution.started_at == bj(21, "16:00")
    # Before the merge, the ticket had its own clock.
    assert compute(P3, events, now=bj(24, "09:15")).first_response.due_at == bj(24, "14:30")


def test_a_merged_in_ticket_brings_its_conversation_but_not_its_statuses():
    older = (
        Created(bj(21, "16:00")),
        AgentPublicReply(bj(21, "16:30")),
        status(bj(21, "16:30"), "new", "waiting_customer"),
        Merged(bj(21, "17:00"), (Created(bj(20, "10:00")),)),  # merges nest: the earliest creation wins
    )
    result = compute(P3, [Created(bj(24, "09:00")), Merged(bj(24, "09:30"), older)], now=bj(24, "10:00"))
    assert result.first_response.fulfilled_at == bj(21, "16:30")
    assert result.first_response.started_at == bj(20, "10:00")
    assert result.resolution.state == State.RUNNING  # the merged ticket's waiting status does not pause this one


def test_a_merged_in_ticket_created_later_changes_nothing():
    events = [Created(bj(24, "09:00")), Merged(bj(24, "11:00"), (Created(bj(24, "10:00")),))]
    assert compute(P3, events, now=bj(24, "11:30")).first_response.due_at == bj(24, "14:30")


# ---------------------------------------------------------------- breaches and warnings


def test_breach_detection():
    created = Created(bj(24, "09:00"))
    on_time = compute(P3, [created, AgentPublicReply(bj(24, "14:30"))], now=bj(25, "09:00")).first_response
    assert on_time.state == State.FULFILLED and not on_time.breached  # exactly at the due instant is in time
    late = compute(P3, [created, AgentPublicReply(bj(24, "14:31"))], now=bj(25, "09:00")).first_response
    assert late.state == State.FULFILLED and late.breached
    assert compute(P3, [created], now=bj(24, "14:30")).first_response.state == State.RUNNING
    overdue = compute(P3, [created], now=bj(24, "14:31")).first_response
    assert overdue.state == State.BREACHED and overdue.breached
    assert overdue.remaining_seconds == -60
    paused_late = compute(P3, [created, status(bj(24, "15:00"), "new", "waiting_customer")], now=bj(24, "16:00"))
    assert paused_late.first_response.state == State.PAUSED and paused_late.first_response.breached
    assert paused_late.first_response.due_at == bj(24, "14:30")


def test_the_warning_instant_is_at_75_percent_of_the_target():
    created = Created(bj(24, "09:00"))
    first = compute(P3, [created], now=bj(24, "11:59")).first_response
    assert first.warn_at == bj(24, "12:00")  # three of four business hours: exactly at the lunch closing
    assert not first.warning
    assert compute(P3, [created], now=bj(24, "12:00")).first_response.warning
    assert compute(policy(warn_at=0.5), [created], now=bj(24, "09:00")).first_response.warn_at == bj(24, "11:00")


def test_next_deadline_is_the_earliest_running_due_instant():
    events = [Created(bj(24, "09:00")), AgentPublicReply(bj(24, "09:30")), CustomerMessage(bj(24, "10:00"))]
    result = compute(P3, events, now=bj(24, "10:30"))
    assert next_deadline(result) == bj(24, "12:00") == result.next_deadline()  # next response beats resolution
    done = compute(P3, [*events, status(bj(24, "11:00"), "open", "resolved")], now=bj(24, "12:00"))
    assert done.next_deadline() is None


def test_events_are_replayed_in_time_order_and_those_after_now_are_ignored():
    events = [AgentPublicReply(bj(24, "10:00")), Created(bj(24, "09:00"))]
    assert compute(P3, events, now=bj(24, "11:00")).first_response.state == State.FULFILLED
    assert compute(P3, events, now=bj(24, "09:59")).first_response.state == State.RUNNING


def test_instants_are_whole_utc_seconds():
    created = bj(24, "09:00") + timedelta(microseconds=999_999)
    first = compute(P3, [Created(created)], now=bj(24, "10:00")).first_response
    assert first.started_at == bj(24, "09:00")
    assert first.due_at.microsecond == 0


def test_statuses_match_the_tickets_app():
    # targets.py is pure and cannot import the tickets app; this keeps the two lists from drifting apart.
    assert [status.value for status in Status] == [status.value for status in StatusValue]
