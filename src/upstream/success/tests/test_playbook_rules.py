"""Playbook rules → tasks: pure, no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from upstream.success.playbooks import OrgState, PlaybookKind, Renewal, Rule, tasks_to_create

pytestmark = pytest.mark.smoke

TODAY = date(2026, 3, 10)
SILENCE = Rule(1, PlaybookKind.NO_INTERACTION, 30, 7)
R90, R60, R30 = (
    Rule(2, PlaybookKind.RENEWAL, 90, 14),
    Rule(3, PlaybookKind.RENEWAL, 60, 7),
    Rule(4, PlaybookKind.RENEWAL, 30, 3),
)
LOW = Rule(5, PlaybookKind.HEALTH_BELOW, 50, 2)
ALL = [SILENCE, R90, R60, R30, LOW]


def state(**kw):
    base = {
        "organisation_id": 7,
        "account_manager_id": 3,
        "last_interaction_on": TODAY,
        "renewal": None,
        "health_score": 80,
    }
    return OrgState(**(base | kw))


def test_silence_of_n_days_creates_one_task_keyed_by_the_last_interaction():
    last = TODAY - timedelta(days=30)
    [task] = tasks_to_create(ALL, [state(last_interaction_on=last)], TODAY)
    assert task.kind is PlaybookKind.NO_INTERACTION and task.assignee_id == 3
    assert task.due_on == TODAY + timedelta(days=7)
    assert task.period_key == f"1:{last.isoformat()}"
    # The next day, the same silence: the same key (the unique constraint makes it a no-op).
    [again] = tasks_to_create(ALL, [state(last_interaction_on=last)], TODAY + timedelta(days=1))
    assert again.period_key == task.period_key
    assert tasks_to_create(ALL, [state(last_interaction_on=TODAY - timedelta(days=29))], TODAY) == []


@pytest.mark.parametrize(
    ("days", "rule"), [(91, None), (90, R90), (61, R90), (60, R60), (31, R60), (30, R30), (0, R30), (-1, None)]
)
def test_each_renewal_milestone_fires_only_in_its_own_window(days, rule):
    renewal = Renewal(contract_id=11, ends_on=TODAY + timedelta(days=days))
    found = tasks_to_create(ALL, [state(renewal=renewal)], TODAY)
    assert [t.rule_id for t in found] == ([] if rule is None else [rule.id])
    if rule is not None:
        assert found[0].period_key == f"{rule.id}:11:{renewal.ends_on.isoformat()}"
        assert found[0].facts["days"] == days


def test_a_single_renewal_rule_covers_everything_up_to_its_parameter():
    renewal = Renewal(contract_id=11, ends_on=TODAY + timedelta(days=10))
    assert [t.rule_id for t in tasks_to_create([R90], [state(renewal=renewal)], TODAY)] == [R90.id]


def test_health_below_fires_once_a_month():
    [task] = tasks_to_create(ALL, [state(health_score=49)], TODAY)
    assert task.period_key == "5:2026-03" and task.due_on == TODAY + timedelta(days=2)
    assert tasks_to_create(ALL, [state(health_score=50)], TODAY) == []
    assert tasks_to_create(ALL, [state(health_score=None)], TODAY) == []
    assert tasks_to_create(ALL, [state(health_score=10)], date(2026, 4, 1))[0].period_key == "5:2026-04"


def test_organisations_without_an_account_manager_get_no_task():
    assert tasks_to_create(ALL, [state(account_manager_id=None, health_score=1)], TODAY) == []
