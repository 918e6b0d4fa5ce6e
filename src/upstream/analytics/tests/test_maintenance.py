"""The fact table: kept right by ticket events, the catch-up and a rebuild, which all agree."""

from __future__ import annotations

from typing import Any

from upstream.analytics import maintenance
from upstream.analytics.models import MaintenanceState, TicketFact, Verdict
from upstream.analytics.tests.world import World
from upstream.core import clock
from upstream.sla.models import BusinessCalendar
from upstream.tickets.models import Ticket

IGNORED = {"refreshed_at"}


def snapshot() -> dict[int, dict[str, Any]]:
    rows = TicketFact.objects.order_by("ticket_id").values()
    return {row["ticket_id"]: {k: v for k, v in row.items() if k not in IGNORED} for row in rows}


def test_events_keep_facts_that_a_rebuild_reproduces(history: World) -> None:
    maintenance.catch_up(clock.now())  # CSAT answers arrive without a ticket event
    incremental = snapshot()
    assert len(incremental) == 5  # six tickets, one merged away
    maintenance.rebuild()
    assert snapshot() == incremental


def test_a_ticket_event_refreshes_its_fact_at_once(world: World) -> None:
    ticket = world.open(world.a_user, world.org_a, 0.0)
    fact = TicketFact.objects.get(ticket_id=ticket.id)
    assert fact.first_response_seconds is None and fact.is_active
    world.assign(ticket, world.ada, world.platform, 0.1)
    world.reply(ticket, world.ada, 0.5)
    fact.refresh_from_db()
    assert fact.first_response_seconds == 1800
    assert fact.assignee_id == world.ada.pk and fact.team_id == world.platform.pk
    assert fact.plan_id == world.plan.pk
    assert fact.sla_first_response == Verdict.MET


def test_business_time_follows_the_policy_calendar(history: World) -> None:
    night = TicketFact.objects.get(ticket_id=history.named["t2"].id)  # opened 23:00 Shanghai, answered 11:00 next day
    assert night.first_response_seconds == 12 * 3600
    assert night.first_response_business_seconds == 2 * 3600  # 09:00–11:00 of the next working day
    office = BusinessCalendar.objects.get(name="Office").to_engine()
    ticket = Ticket.objects.get(id=night.ticket_id)
    assert ticket.first_responded_at is not None
    assert night.first_response_business_seconds == office.between(ticket.created_at, ticket.first_responded_at)
    assert night.sla_first_response == Verdict.BREACHED  # 2 business hours against a 1 h target
    no_policy = TicketFact.objects.get(ticket_id=history.named["t4"].id)  # org B: no contract, no fallback
    assert no_policy.first_response_business_seconds == no_policy.first_response_seconds == 3600


def test_reopens_are_counted_and_merged_tickets_leave(history: World) -> None:
    reopened = TicketFact.objects.get(ticket_id=history.named["t2"].id)
    assert reopened.reopen_count == 1
    assert reopened.resolution_seconds == 19 * 3600  # from creation to the last resolution
    assert TicketFact.objects.filter(reopen_count__gt=0).count() == 1
    merged = history.named["t6"]
    assert not TicketFact.objects.filter(ticket_id=merged.id).exists()


def test_catch_up_reads_answers_since_the_watermark(history: World) -> None:
    maintenance.catch_up(clock.now())
    fact = TicketFact.objects.get(ticket_id=history.named["t1"].id)
    assert fact.csat_score == 5
    history.csat(history.named["t1"], 3, 100.0)
    assert TicketFact.objects.get(ticket_id=history.named["t1"].id).csat_score == 5  # not yet caught up
    written = maintenance.catch_up(clock.now())
    assert written >= 1
    assert TicketFact.objects.get(ticket_id=history.named["t1"].id).csat_score == 3
    assert MaintenanceState.objects.get(pk=1).caught_up_to == clock.now()


def test_catch_up_fills_tickets_missing_a_fact(history: World) -> None:
    maintenance.catch_up(clock.now())
    TicketFact.objects.filter(ticket_id=history.named["t3"].id).delete()
    maintenance.catch_up(clock.now())
    assert TicketFact.objects.filter(ticket_id=history.named["t3"].id).exists()


def test_rebuild_command(history: World, capsys: Any) -> None:
    from django.core.management import call_command

    TicketFact.objects.all().delete()
    call_command("analytics", "rebuild", "--batch", "2")
    assert TicketFact.objects.count() == 5
    assert "Rebuilt 5 fact rows" in capsys.readouterr().out
