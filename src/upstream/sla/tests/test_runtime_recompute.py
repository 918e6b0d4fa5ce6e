"""Stored SLA state follows real service calls: the event handlers recompute each ticket right after the change
commits (TicketSla snapshot, Ticket.sla_due_at, append-only SlaEvents)."""

from datetime import timedelta

import pytest

from upstream.sla import runtime
from upstream.sla.models import SlaEvent, TicketSla
from upstream.sla.tests.runtime_world import T0
from upstream.tickets import services
from upstream.tickets.models import NO_DEADLINE, Status, Ticket
from upstream.tickets.queries import QUEUE_ORDER, queue_tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run each service call's on-commit handlers, as a real request would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def kinds(ticket):
    return [(e.metric, e.kind) for e in SlaEvent.objects.filter(ticket=ticket).order_by("at", "id")]


def test_opening_a_ticket_applies_the_policy_and_sets_the_next_deadline(world, committed):
    ticket = committed(world.ticket)
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.policy == world.policy
    assert sla.metrics["first_response"]["due_at"] == (T0 + timedelta(hours=1)).isoformat()
    assert sla.next_warn_at == T0 + timedelta(minutes=45) and sla.next_breach_at == T0 + timedelta(hours=1)
    assert Ticket.objects.get(id=ticket.id).sla_due_at == T0 + timedelta(hours=1)
    assert kinds(ticket) == [("", "applied")]
    assert "first response due" in sla.explanation


def test_an_agent_reply_fulfils_the_first_response(world, committed):
    ticket = committed(world.ticket)
    world.at(0.5)
    committed(services.reply, by=world.agent, ticket=ticket, body="On it")
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.metrics["first_response"]["state"] == "fulfilled"
    assert ("first_response", "fulfilled") in kinds(ticket)
    # Resolution (8 h) is now the next running deadline.
    assert Ticket.objects.get(id=ticket.id).sla_due_at == T0 + timedelta(hours=8)
    runtime.recompute([ticket.id])  # recomputing again records nothing twice
    assert kinds(ticket).count(("first_response", "fulfilled")) == 1


def test_waiting_on_the_customer_pauses_and_their_reply_resumes(world, committed):
    ticket = committed(world.ticket)
    world.at(0.25)
    committed(services.reply, by=world.agent, ticket=ticket, body="Logs?", then_status=Status.WAITING_CUSTOMER)
    assert TicketSla.objects.get(ticket=ticket).metrics["resolution"]["state"] == "paused"
    assert Ticket.objects.get(id=ticket.id).sla_due_at == NO_DEADLINE  # nothing runs: last in its queue
    assert ("resolution", "paused") in kinds(ticket)
    world.at(3)
    committed(services.reply, by=world.contact.user, ticket=ticket, body="Here they are")
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.metrics["resolution"]["state"] == "running"
    assert ("resolution", "resumed") in kinds(ticket)
    # 15 min used before the pause: 7 h 45 min left from 3 h.
    assert sla.metrics["resolution"]["due_at"] == (T0 + timedelta(hours=3, minutes=465)).isoformat()


def test_a_priority_change_recomputes_from_the_history(world, committed):
    ticket = committed(world.ticket)
    world.at(0.1)
    committed(services.update_ticket, by=world.agent, ticket=ticket, changes=services.TicketChanges(priority=2))
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.policy.priority == 2
    assert Ticket.objects.get(id=ticket.id).sla_due_at == T0 + timedelta(minutes=30)  # from creation, not now
    assert [k for k in kinds(ticket) if k[1] == "applied"] == [("", "applied"), ("", "applied")]


def test_the_inbox_orders_same_priority_tickets_by_time_to_breach(world, committed):
    older = committed(world.ticket, subject="Older, but its clock is paused")
    world.at(0.2)
    committed(services.reply, by=world.agent, ticket=older, body="Logs?", then_status=Status.WAITING_CUSTOMER)
    world.at(0.4)
    committed(services.reply, by=world.contact.user, ticket=older, body="Here")  # resolution resumes, 8 h target
    world.at(0.5)
    newer = committed(world.ticket, subject="Newer, first response due sooner")
    order = list(queue_tickets(world.agent, "open").order_by(*QUEUE_ORDER).values_list("id", flat=True))
    assert order == [newer.id, older.id]  # created later, but due in 1 h versus about 8 h


def test_a_policy_edit_recomputes_open_tickets_and_keeps_the_history(world, committed):
    ticket = committed(world.ticket)
    world.at(0.1)
    from upstream.sla import services as sla_services

    sla_services.save_policy(
        by=None, plan=world.policy.plan, priority=3, first_response_minutes=120, next_response_minutes=120,
        resolution_minutes=480,
    )  # fmt: skip
    assert runtime.recompute_open_tickets() == 1
    assert Ticket.objects.get(id=ticket.id).sla_due_at == T0 + timedelta(hours=2)
    assert kinds(ticket) == [("", "applied")]  # same policy row: no new event, and the old one is kept
