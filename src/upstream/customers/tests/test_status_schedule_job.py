"""The periodic job moves contracts on schedule, set-based, with a history entry each; terminated is never reached."""

from datetime import timedelta

import pytest

from upstream.core.periodic import PERIODIC_JOBS
from upstream.core.testing import make_contract, make_org, make_plan
from upstream.customers import lifecycle, tasks
from upstream.customers.apps import ADVANCE_CONTRACT_STATUSES
from upstream.customers.models import Contract, ContractEvent, ContractEventKind, ContractStatus
from upstream.customers.tests.helpers import days


@pytest.mark.smoke
def test_the_schedule_is_a_periodic_job():
    job = next(job for job in PERIODIC_JOBS if job.task == ADVANCE_CONTRACT_STATUSES)
    assert job.every == timedelta(hours=1)
    assert [j.task for j in PERIODIC_JOBS].count(ADVANCE_CONTRACT_STATUSES) == 1


@pytest.mark.django_db
def test_statuses_move_on_schedule_with_a_history_entry(django_assert_max_num_queries):
    plan = make_plan(grace_days=30)
    org = make_org()
    running = make_contract(org, plan, starts_on=days(-100), ends_on=days(100))
    to_grace = make_contract(org, plan, starts_on=days(-400), ends_on=days(-5))
    to_expired = make_contract(org, plan, starts_on=days(-400), ends_on=days(-31))
    grace_over = make_contract(org, plan, status=ContractStatus.GRACE, starts_on=days(-400), ends_on=days(-60))
    trial_over = make_contract(org, plan, status=ContractStatus.TRIAL, starts_on=days(-30), ends_on=days(-1))
    terminated = make_contract(org, plan, status=ContractStatus.TERMINATED, starts_on=days(-400), ends_on=days(-300))
    extra = [make_contract(make_org(), plan, starts_on=days(-400), ends_on=days(-40)) for _ in range(5)]

    # Savepoint and release, one read, one UPDATE per (from, to) pair (four here), one insert of all events: the
    # same however many contracts move.
    with django_assert_max_num_queries(8):
        moved = lifecycle.advance_statuses(on=days(0))
    assert len(moved) == 9

    def status(contract: Contract) -> str:
        return Contract.objects.get(id=contract.id).status

    assert status(running) == ContractStatus.ACTIVE
    assert status(to_grace) == ContractStatus.GRACE
    assert status(to_expired) == ContractStatus.EXPIRED
    assert status(grace_over) == ContractStatus.EXPIRED
    assert status(trial_over) == ContractStatus.EXPIRED
    assert status(terminated) == ContractStatus.TERMINATED
    assert all(status(c) == ContractStatus.EXPIRED for c in extra)
    event = ContractEvent.objects.get(contract=to_grace)
    assert (event.kind, event.before, event.after, event.actor) == (
        ContractEventKind.STATUS_CHANGED,
        "active",
        "grace",
        None,
    )
    assert lifecycle.advance_statuses(on=days(0)) == []  # idempotent: nothing more to move
    assert ContractEvent.objects.count() == 9


@pytest.mark.django_db
def test_a_contract_set_not_to_renew_expires_at_term_end_without_grace():
    contract = make_contract(make_org(), make_plan(grace_days=30), starts_on=days(-300), ends_on=days(-1))
    Contract.objects.filter(id=contract.id).update(
        exit_reason="price", ended_on=contract.ends_on, ended_at=contract.created_at
    )
    lifecycle.advance_statuses(on=days(0))
    assert Contract.objects.get(id=contract.id).status == ContractStatus.EXPIRED


@pytest.mark.django_db
def test_the_task_runs_the_schedule_for_today():
    contract = make_contract(make_org(), make_plan(grace_days=0), starts_on=days(-300), ends_on=days(-2))
    assert tasks.advance_contract_statuses.call() == 1
    assert Contract.objects.get(id=contract.id).status == ContractStatus.EXPIRED
