"""Bad policies and histories: SlaError (a ValueError) naming the field."""

from datetime import UTC, datetime, timedelta

import pytest

from upstream.sla.calendar import BusinessCalendar
from upstream.sla.targets import (
    AgentPublicReply,
    Created,
    Merged,
    Policy,
    SlaError,
    StatusChanged,
    Target,
    compute,
)

pytestmark = pytest.mark.smoke

CALENDAR = BusinessCalendar.around_the_clock()
T0 = datetime(2025, 11, 24, 9, 0, tzinfo=UTC)
POLICY = Policy(Target(3600, CALENDAR))


def error(call):
    with pytest.raises(SlaError) as raised:
        call()
    assert isinstance(raised.value, ValueError)
    return raised.value.field


@pytest.mark.parametrize("seconds", [0, -60, True, 1.5, "3600"])
@pytest.mark.parametrize("metric", ["first_response", "next_response", "resolution"])
def test_targets_must_be_positive_whole_seconds(metric, seconds):
    assert error(lambda: Policy(**{metric: Target(seconds, CALENDAR)})) == f"{metric}.seconds"


def test_a_target_needs_a_business_calendar():
    assert error(lambda: Policy(resolution=Target(3600, {"tz": "UTC"}))) == "resolution.calendar"
    assert error(lambda: Policy(first_response=3600)) == "first_response"


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.2, True, "0.75"])
def test_the_warning_threshold_is_a_fraction_between_0_and_1(fraction):
    assert error(lambda: Policy(warn_at=fraction)) == "warn_at"


def test_the_reopen_rule_is_a_boolean():
    assert error(lambda: Policy(reopen_restarts_resolution="yes")) == "reopen_restarts_resolution"


def test_unknown_statuses():
    assert error(lambda: StatusChanged(T0, "open", "solved")) == "to_status"
    assert error(lambda: StatusChanged(T0, "pending", "open")) == "from_status"


def test_a_history_has_exactly_one_creation():
    assert error(lambda: compute(POLICY, [AgentPublicReply(T0)], T0)) == "events"
    assert error(lambda: compute(POLICY, [Created(T0), Created(T0)], T0)) == "events"


def test_naive_instants_are_refused():
    assert error(lambda: compute(POLICY, [Created(T0.replace(tzinfo=None))], T0)) == "events[0].at"
    assert error(lambda: compute(POLICY, [Created(T0)], T0.replace(tzinfo=None))) == "now"


def test_events_cannot_precede_the_creation_and_now_cannot_either():
    early = T0 - timedelta(minutes=1)
    assert error(lambda: compute(POLICY, [Created(T0), AgentPublicReply(early)], T0)) == "events[1]"
    assert error(lambda: compute(POLICY, [Created(T0)], early)) == "now"
    merged = Merged(T0, (Created(T0 + timedelta(hours=1)),))  # created after it was merged
    assert error(lambda: compute(POLICY, [Created(T0), merged], T0 + timedelta(hours=2))) == "events[1].history"


def test_compute_needs_a_policy():
    assert error(lambda: compute({"first_response": 3600}, [Created(T0)], T0)) == "policy"
