"""Pure ticket rules: transitions and ticket numbers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstream.tickets import rules
from upstream.tickets.rules import StatusValue

pytestmark = pytest.mark.smoke


def test_closed_is_final():
    assert rules.allowed_next(StatusValue.CLOSED) == frozenset()


def test_resolved_can_only_reopen_or_close():
    assert rules.allowed_next(StatusValue.RESOLVED) == {StatusValue.OPEN, StatusValue.CLOSED}


def test_no_status_transitions_to_itself_or_back_to_new():
    for status, targets in rules.TRANSITIONS.items():
        assert status not in targets
        assert StatusValue.NEW not in targets


def test_every_status_is_reachable_from_new():
    seen, frontier = {StatusValue.NEW.value}, [StatusValue.NEW.value]
    while frontier:
        for target in rules.allowed_next(frontier.pop()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == {s.value for s in StatusValue}


def test_customer_message_reopens_waiting_and_resolved_tickets():
    assert rules.status_after_customer_message(StatusValue.WAITING_CUSTOMER) == StatusValue.OPEN
    assert rules.status_after_customer_message(StatusValue.RESOLVED) == StatusValue.OPEN
    assert rules.status_after_customer_message(StatusValue.OPEN) is None
    assert rules.status_after_customer_message(StatusValue.NEW) is None


def test_categories_in_urgency_order_with_default_priorities():
    assert rules.CATEGORY_URGENCY == ("outage", "onboarding", "defect", "presales", "howto")
    priorities = [rules.default_priority(c) for c in rules.CATEGORY_URGENCY]
    assert priorities == sorted(priorities), "a more urgent category never suggests a lower priority"


@given(st.integers(min_value=1, max_value=10**17))
def test_number_round_trip(number):
    assert rules.parse_number(rules.format_number("UP", number), "UP") == number
    assert rules.parse_number(str(number), "UP") == number


@pytest.mark.parametrize(
    "text", ["", "UP-", "UP-abc", "XX-123", "UP-0", "-5", "../1", "UP-1-2", "１２３", "UP-" + "9" * 30]
)
def test_bad_numbers_are_rejected(text):
    assert rules.parse_number(text, "UP") is None


def test_number_is_case_insensitive_on_prefix():
    assert rules.parse_number("up-10234", "UP") == 10234
