"""Logging, editing and deleting time: the bank drawn down, overage recorded, the ticket's activity log kept."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from upstream.core.errors import Forbidden, InvalidInput
from upstream.core.testing import make_admin, make_agent, make_contact, make_org, make_ticket
from upstream.hours import services
from upstream.hours.models import TimeEntry
from upstream.hours.queries import usage_by_contract
from upstream.hours.tests.world import log, make_bank
from upstream.tickets.models import Activity

pytestmark = pytest.mark.django_db


def _used(bank):
    return usage_by_contract([bank.contract.id])[bank.contract.id].used_minutes


def test_billable_time_draws_down_the_tickets_contract():
    bank = make_bank("10")
    entry = log(bank, "1h30", note="Tuned autovacuum")
    assert (entry.minutes, entry.billable, entry.contract_id, entry.user_id) == (
        90,
        True,
        bank.contract.id,
        bank.agent.id,
    )
    assert entry.worked_on == timezone.localdate()
    assert entry.overage_minutes == 0
    assert _used(bank) == 90


def test_non_billable_time_is_recorded_but_draws_down_nothing():
    bank = make_bank("10")
    entry = log(bank, 120, billable=False)
    assert entry.contract_id == bank.contract.id
    assert _used(bank) == 0


def test_a_ticket_without_a_contract_records_time_and_draws_down_nothing():
    agent = make_agent()
    org = make_org()
    ticket = make_ticket(make_contact(org), org, by=agent)
    assert ticket.contract_id is None
    entry = services.log_time(by=agent, ticket=ticket, data=services.EntryInput(duration="45m"))
    assert (entry.contract_id, entry.minutes, entry.overage_minutes) == (None, 45, 0)


def test_overage_is_the_part_beyond_the_prepaid_hours():
    bank = make_bank("2")
    first = log(bank, 100)
    second = log(bank, 30)  # 130 of 120: 10 over
    third = log(bank, 15)
    assert [e.overage_minutes for e in (first, second, third)] == [0, 10, 15]
    assert usage_by_contract([bank.contract.id])[bank.contract.id].overage_minutes == 25


def test_a_backdated_entry_draws_down_first_and_the_overage_moves_to_later_work():
    bank = make_bank("2")
    today = timezone.localdate()
    late = log(bank, 100, worked_on=today)
    early = log(bank, 60, worked_on=today - timedelta(days=3))
    late.refresh_from_db()
    assert (early.overage_minutes, late.overage_minutes) == (0, 40)


@pytest.mark.parametrize(
    ("duration", "field"),
    [(0, "minutes"), (-5, "minutes"), (1441, "minutes"), (10**15, "minutes"), ("soon", "minutes"), ("", "minutes")],
)
def test_bad_durations_save_nothing(duration, field):
    bank = make_bank()
    with pytest.raises(InvalidInput) as caught:
        log(bank, duration)
    assert caught.value.field == field
    assert not TimeEntry.objects.exists()
    assert not Activity.objects.filter(field="time_entry").exists()


def test_future_days_long_notes_and_old_days_are_refused():
    bank = make_bank()
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as future:
        log(bank, 30, worked_on=today + timedelta(days=1))
    assert future.value.field == "worked_on"
    with pytest.raises(InvalidInput) as old:
        log(bank, 30, worked_on=today - timedelta(days=400))
    assert old.value.field == "worked_on"
    with pytest.raises(InvalidInput) as note:
        log(bank, 30, note="x" * 501)
    assert note.value.field == "note"
    assert not TimeEntry.objects.exists()


def test_customers_cannot_log_time():
    bank = make_bank()
    with pytest.raises(Forbidden):
        log(bank, 30, by=bank.org_admin.user)
    assert not TimeEntry.objects.exists()


def test_the_activity_log_keeps_each_change():
    bank = make_bank()
    entry = log(bank, 30, note="first look")
    services.edit_entry(by=bank.agent, entry=entry, data=services.EntryInput(duration="1h", note="first look"))
    services.delete_entry(by=bank.agent, entry=TimeEntry.objects.get(id=entry.id))
    lines = list(Activity.objects.filter(ticket=bank.ticket, field="time_entry").order_by("id"))
    assert [(a.before is None, a.after is None) for a in lines] == [(True, False), (False, False), (False, True)]
    assert lines[0].after["minutes"] == 30 and lines[0].after["name"].startswith("30m")
    assert (lines[1].before["minutes"], lines[1].after["minutes"]) == (30, 60)
    assert lines[2].before["minutes"] == 60
    assert all(a.actor_id == bank.agent.id for a in lines)
    assert not TimeEntry.objects.exists()


def test_only_the_author_or_an_admin_changes_an_entry():
    bank = make_bank()
    entry = log(bank, 30)
    colleague = make_agent(bank.team)
    with pytest.raises(Forbidden):
        services.edit_entry(by=colleague, entry=entry, data=services.EntryInput(duration=10))
    with pytest.raises(Forbidden):
        services.delete_entry(by=colleague, entry=entry)
    edited = services.edit_entry(by=make_admin(), entry=entry, data=services.EntryInput(duration=10))
    assert edited.minutes == 10


def test_editing_and_deleting_rebalance_the_overage():
    bank = make_bank("1")
    first = log(bank, 50)
    second = log(bank, 30)
    assert second.overage_minutes == 20
    services.edit_entry(by=bank.agent, entry=first, data=services.EntryInput(duration=20))
    second.refresh_from_db()
    assert second.overage_minutes == 0
    services.edit_entry(by=bank.agent, entry=first, data=services.EntryInput(duration=50, billable=False))
    first.refresh_from_db()
    assert (first.overage_minutes, _used(bank)) == (0, 30)
    services.edit_entry(by=bank.agent, entry=first, data=services.EntryInput(duration=50))
    services.delete_entry(by=bank.agent, entry=TimeEntry.objects.get(id=first.id))
    second.refresh_from_db()
    assert second.overage_minutes == 0


def test_a_failed_edit_changes_nothing():
    bank = make_bank()
    entry = log(bank, 30)
    with pytest.raises(InvalidInput):
        services.edit_entry(by=bank.agent, entry=entry, data=services.EntryInput(duration="forever"))
    entry.refresh_from_db()
    assert entry.minutes == 30
    assert Activity.objects.filter(field="time_entry").count() == 1


def test_a_top_up_moves_the_overage_back_into_the_bank():
    bank = make_bank("1")
    log(bank, 50)
    second = log(bank, 30)
    assert second.overage_minutes == 20
    bank.contract.consulting_hours = Decimal("2")
    bank.contract.save()
    assert services.rebalance(bank.contract) == 1
    second.refresh_from_db()
    assert second.overage_minutes == 0
    assert services.rebalance(bank.contract) == 0
