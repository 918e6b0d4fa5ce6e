"""Recomputing many tickets at once (after a calendar or policy edit) stores for each exactly what its own history
gives, in a fixed number of statements per batch whatever its size, and leaves the garbage collector as it was."""

import gc
from datetime import timedelta

import pytest
from django.db import connection

from upstream.sla import runtime
from upstream.sla.history import history_of
from upstream.sla.models import TicketSla
from upstream.tickets import services
from upstream.tickets.models import NO_DEADLINE, Status, Ticket

pytestmark = pytest.mark.django_db


def several(world, count=6):
    """Tickets in different states: fresh, answered, waiting on the customer, at a higher priority."""
    tickets = []
    for index in range(count):
        world.at(index * 0.1)
        ticket = world.ticket(priority=2 if index % 3 == 2 else 3)
        if index % 3 == 1:
            services.reply(by=world.agent, ticket=ticket, body="On it")
        if index % 2 == 1:
            services.reply(by=world.agent, ticket=ticket, body="Logs?", then_status=Status.WAITING_CUSTOMER)
        tickets.append(ticket)
    return tickets


def statements(call):
    sent = []

    def wrapper(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        call()
    return sent


def test_each_ticket_stores_what_its_own_history_gives(world):
    tickets = several(world)
    now = world.at(1.5)
    runtime.recompute([t.id for t in tickets], world.at(0.6))  # a first computation: the next one updates the rows
    assert runtime.recompute_open_tickets(now) == len(tickets)
    for ticket in tickets:
        result = history_of(ticket).compute(now)
        sla = TicketSla.objects.get(ticket=ticket)
        assert sla.computed_at == now and sla.version == 2
        assert sla.explanation == result.explain()
        for metric in result.metrics:
            stored = sla.metrics[metric.metric.value]
            assert stored["due_at"] == (metric.due_at.isoformat() if metric.due_at else None)
            assert stored["state"] == metric.state.value and stored["explanation"] == metric.explain()
        due = result.next_deadline()
        assert Ticket.objects.get(id=ticket.id).sla_due_at == (due or NO_DEADLINE)
        assert sla.next_due_at == due


def test_a_batch_costs_the_same_statements_for_one_ticket_or_many(world):
    tickets = several(world)
    runtime.recompute([t.id for t in tickets], world.at(0.6))
    now = world.at(2)
    one = statements(lambda: runtime.recompute([tickets[0].id], now + timedelta(hours=1)))
    many = statements(lambda: runtime.recompute([t.id for t in tickets], now + timedelta(hours=2)))
    assert len(many) <= len(one) + 1  # + the events insert, when only some of them have events to add


def test_the_collector_is_left_as_it_was(world):
    several(world, 2)
    assert gc.isenabled()
    runtime.recompute_open_tickets(world.at(1))
    assert gc.isenabled()
    gc.disable()
    try:
        runtime.recompute_open_tickets(world.at(2))
        assert not gc.isenabled()
    finally:
        gc.enable()
