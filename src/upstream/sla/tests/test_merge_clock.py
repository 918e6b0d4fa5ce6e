"""Merged tickets keep the earliest clock: a target merged with an older duplicate counts its first response from the
older creation, its conversation counts, the closed source stops, and histories still cost three queries."""

from datetime import timedelta

import pytest

from upstream.core.testing import make_contact, make_ticket
from upstream.sla import runtime, targets
from upstream.sla.history import load_histories, sla_tickets
from upstream.sla.models import TicketSla
from upstream.sla.tests.runtime_world import T0
from upstream.tickets import services
from upstream.tickets.models import NO_DEADLINE, Ticket

pytestmark = pytest.mark.django_db


def _history(ticket):
    return load_histories([sla_tickets().get(id=ticket.id)])[ticket.id]


@pytest.fixture
def duplicates(world):
    """The source opened at T0, the target half an hour later; P3 first response is 1 h around the clock."""
    world.at(0)
    source = world.ticket()
    world.at(0.5)
    target = world.ticket()
    return source, target


def test_the_target_first_response_is_due_when_the_source_was(world, duplicates):
    source, target = duplicates
    assert _history(target).compute(world.at(0.6)).first_response.due_at == T0 + timedelta(hours=1.5)
    source_due = _history(source).compute(world.at(0.6)).first_response.due_at
    world.at(0.75)
    services.merge_tickets(by=world.agent, source=source, target=target)
    merged = _history(target).compute(world.at(0.8)).first_response
    assert merged.due_at == source_due == T0 + timedelta(hours=1)
    assert merged.started_at == T0 and merged.state == targets.State.RUNNING


def test_recompute_moves_the_target_deadline_and_stops_the_source(world, duplicates):
    source, target = duplicates
    runtime.recompute([source.id, target.id], world.at(0.6))
    assert Ticket.objects.get(id=target.id).sla_due_at == T0 + timedelta(hours=1.5)
    world.at(0.75)
    services.merge_tickets(by=world.agent, source=source, target=target)
    runtime.recompute([source.id, target.id], world.at(0.8))
    assert Ticket.objects.get(id=target.id).sla_due_at == T0 + timedelta(hours=1)
    assert Ticket.objects.get(id=source.id).sla_due_at == NO_DEADLINE
    stopped = TicketSla.objects.get(ticket_id=source.id).metrics
    assert all(m["state"] not in runtime.LIVE for m in stopped.values())


def test_the_merge_recomputes_both_after_commit(world, duplicates, django_capture_on_commit_callbacks):
    source, target = duplicates
    world.at(0.75)
    with django_capture_on_commit_callbacks(execute=True):
        services.merge_tickets(by=world.agent, source=source, target=target)
    assert Ticket.objects.get(id=target.id).sla_due_at == T0 + timedelta(hours=1)
    assert Ticket.objects.get(id=source.id).sla_due_at == NO_DEADLINE


def test_an_agent_reply_on_the_source_answers_the_target(world, duplicates):
    source, target = duplicates
    world.at(0.6)
    services.reply(by=world.agent, ticket=source, body="On it")
    world.at(0.75)
    services.merge_tickets(by=world.agent, source=source, target=target)
    first = _history(target).compute(world.at(0.8)).first_response
    assert first.state == targets.State.FULFILLED and first.fulfilled_at == T0 + timedelta(hours=0.6)


def test_the_source_replays_its_own_messages_after_the_merge(world, duplicates):
    source, target = duplicates
    world.at(0.6)
    services.reply(by=world.agent, ticket=source, body="On it")
    world.at(0.75)
    services.merge_tickets(by=world.agent, source=source, target=target)
    first = _history(source).compute(world.at(0.8)).first_response
    assert first.fulfilled_by == targets.Fulfilment.AGENT_REPLY and not first.breached


def test_a_younger_duplicate_does_not_move_the_clock(world, duplicates):
    source, target = duplicates
    world.at(0.75)
    services.merge_tickets(by=world.agent, source=target, target=source)
    assert _history(source).compute(world.at(0.8)).first_response.due_at == T0 + timedelta(hours=1)


def test_a_chain_of_merges_keeps_the_earliest_clock(world, duplicates):
    source, target = duplicates
    world.at(0.75)
    services.merge_tickets(by=world.agent, source=source, target=target)
    world.at(2)
    last = world.ticket()  # created after the first merge
    world.at(2.25)
    services.merge_tickets(by=world.agent, source=target, target=last)
    first = _history(last).compute(world.at(2.5)).first_response
    assert first.started_at == T0 and first.state == targets.State.BREACHED
    # The middle ticket, closed by the second merge, still replays the first one.
    assert _history(target).compute(world.at(2.5)).first_response.started_at == T0


def test_histories_with_merges_cost_three_queries(world, duplicates, django_assert_num_queries):
    source, target = duplicates
    world.at(0.75)
    services.merge_tickets(by=world.agent, source=source, target=target)
    others = [make_ticket(make_contact(world.org), world.org) for _ in range(3)]
    tickets = list(sla_tickets().filter(id__in=[source.id, target.id, *(o.id for o in others)]))
    with django_assert_num_queries(3):
        histories = load_histories(tickets)
    assert histories[target.id].compute(world.at(1)).first_response.due_at == T0 + timedelta(hours=1)
    assert all(h.compute(world.at(1)) is not None for h in histories.values())
