"""The contract status schedule (pure): trial → expired, active → grace → expired, never backwards, never terminated."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstream.customers.models import ENTITLING_STATUSES, ContractStatus
from upstream.customers.schedule import ENTITLING, RANK, Status, entitles_on, grace_ends_on, status_on

pytestmark = pytest.mark.smoke

END = date(2026, 6, 30)


def test_the_pure_statuses_are_the_models_statuses():
    assert {s.value for s in Status} == set(ContractStatus.values)
    assert {s.value for s in ENTITLING} == {s.value for s in ENTITLING_STATUSES}


def test_an_active_term_enters_grace_then_expires():
    def on(day: date) -> Status:
        return status_on("active", ends_on=END, grace_days=30, today=day)

    assert on(END) == Status.ACTIVE  # the last day of the term is still in it
    assert on(END + timedelta(days=1)) == Status.GRACE
    assert on(END + timedelta(days=30)) == Status.GRACE
    assert on(END + timedelta(days=31)) == Status.EXPIRED


def test_a_plan_without_grace_expires_the_day_after_the_term():
    assert status_on("active", ends_on=END, grace_days=0, today=END + timedelta(days=1)) == Status.EXPIRED


def test_a_trial_is_not_converted_by_the_schedule():
    assert status_on("trial", ends_on=END, grace_days=30, today=END) == Status.TRIAL
    assert status_on("trial", ends_on=END, grace_days=30, today=END + timedelta(days=1)) == Status.EXPIRED


def test_a_contract_that_will_not_be_renewed_gets_no_grace():
    after = END + timedelta(days=1)
    assert status_on("active", ends_on=END, grace_days=30, today=after, exit_recorded=True) == Status.EXPIRED
    assert status_on("grace", ends_on=END, grace_days=30, today=after, exit_recorded=True) == Status.EXPIRED


def test_terminated_and_expired_are_final_for_the_schedule():
    for status in ("terminated", "expired"):
        assert status_on(status, ends_on=END, grace_days=30, today=END - timedelta(days=100)) == status


def test_grace_entitles_until_its_last_day():
    def entitled(day: date, status: str = "active") -> bool:
        return entitles_on(status, starts_on=date(2025, 7, 1), ends_on=END, grace_days=14, day=day)

    assert not entitled(date(2025, 6, 30))  # before the start
    assert entitled(END) and entitled(grace_ends_on(END, 14))
    assert not entitled(grace_ends_on(END, 14) + timedelta(days=1))
    assert not entitled(END, "terminated") and not entitled(END, "expired")
    assert not entitled(END + timedelta(days=1), "trial")


statuses = st.sampled_from([s.value for s in Status])
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
grace = st.integers(min_value=0, max_value=366)


@given(status=statuses, ends_on=days, grace_days=grace, first=days, later_by=st.integers(0, 800), ended=st.booleans())
def test_the_schedule_never_moves_backwards_and_never_terminates(status, ends_on, grace_days, first, later_by, ended):
    now = status_on(status, ends_on=ends_on, grace_days=grace_days, today=first, exit_recorded=ended)
    later = status_on(
        now, ends_on=ends_on, grace_days=grace_days, today=first + timedelta(days=later_by), exit_recorded=ended
    )
    assert RANK[now] >= RANK[Status(status)] and RANK[later] >= RANK[now]
    if status != "terminated":
        assert Status.TERMINATED not in (now, later)


@given(status=statuses, ends_on=days, grace_days=grace, day=days, ended=st.booleans())
def test_the_schedule_is_idempotent_and_changes_nothing_during_the_term(status, ends_on, grace_days, day, ended):
    once = status_on(status, ends_on=ends_on, grace_days=grace_days, today=day, exit_recorded=ended)
    assert status_on(once, ends_on=ends_on, grace_days=grace_days, today=day, exit_recorded=ended) == once
    if day <= ends_on:
        assert once == status
    if day > grace_ends_on(ends_on, grace_days):
        assert once in (Status.EXPIRED, Status.TERMINATED)
