"""Stored tickets replayed into the SLA engine: messages, status changes and priority changes from the real services,
policies from the ticket's plan or the fallback, in a fixed number of queries."""

from datetime import UTC, datetime, timedelta

import pytest

from upstream.core import clock
from upstream.core.testing import make_agent, make_contact, make_contract, make_org, make_plan, make_ticket
from upstream.sla import services as sla_services
from upstream.sla import targets
from upstream.sla.history import load_histories, sla_tickets
from upstream.sla.tests.sla_world import make_beijing
from upstream.tickets import services
from upstream.tickets.models import Status

pytestmark = pytest.mark.django_db

MONDAY_10_CST = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


@pytest.fixture
def at(monkeypatch):
    """Set the services' clock: at(hours after Monday 10:00 CST)."""

    def set_time(hours: float) -> datetime:
        moment = MONDAY_10_CST + timedelta(hours=hours)
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return set_time


@pytest.fixture
def setup(at):
    beijing = make_beijing()
    plan = make_plan(highest_priority=1)
    for priority, first, resolution in ((3, 240, 16 * 60), (2, 60, 8 * 60)):
        sla_services.save_policy(
            by=None, plan=plan, priority=priority, first_response_minutes=first, next_response_minutes=480,
            resolution_minutes=resolution, first_response_calendar=beijing, next_response_calendar=beijing,
            resolution_calendar=beijing,
        )  # fmt: skip
    sla_services.save_policy(
        by=None, plan=None, priority=3, first_response_minutes=8 * 60, next_response_minutes=None,
        resolution_minutes=None,
    )  # fmt: skip
    org = make_org()
    make_contract(org, plan, starts_on=MONDAY_10_CST.date() - timedelta(days=30))
    contact = make_contact(org)
    at(0)
    ticket = make_ticket(contact, org, priority=3)
    return ticket, contact, make_agent()


def _history(ticket):
    return load_histories([sla_tickets().get(id=ticket.id)])[ticket.id]


def test_first_response_due_in_business_hours_and_met_by_an_agent_reply(setup, at):
    ticket, _, agent = setup
    result = _history(ticket).compute(at(0.5))
    # 10:00–12:00 is 2 h, lunch, then 2 h from 13:30: due 15:30 CST.
    assert result.first_response.due_at == datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    assert result.first_response.state == targets.State.RUNNING
    services.add_note(by=agent, ticket=ticket, body="looking")  # not a response
    assert _history(ticket).compute(at(1)).first_response.state == targets.State.RUNNING
    services.reply(by=agent, ticket=ticket, body="On it")
    done = _history(ticket).compute(at(2)).first_response
    assert done.state == targets.State.FULFILLED and not done.breached


def test_waiting_on_the_customer_pauses_resolution(setup, at):
    ticket, contact, agent = setup
    at(1)
    services.reply(by=agent, ticket=ticket, body="Send logs please", then_status=Status.WAITING_CUSTOMER)
    paused = _history(ticket).compute(at(24)).resolution
    assert paused.state == targets.State.PAUSED and paused.elapsed_seconds == 3600
    at(24)
    services.reply(by=contact.user, ticket=ticket, body="Here")  # back to open: the clock resumes
    resumed = _history(ticket).compute(at(25)).resolution
    assert resumed.state == targets.State.RUNNING and resumed.elapsed_seconds == 2 * 3600


def test_raising_the_priority_recomputes_from_the_history(setup, at):
    ticket, _, agent = setup
    at(0.5)
    services.update_ticket(by=agent, ticket=ticket, changes=services.TicketChanges(priority=2))
    result = _history(ticket).compute(at(0.75))
    # P2: one business hour from 10:00, measured from creation, not from the change.
    assert result.first_response.due_at == MONDAY_10_CST + timedelta(hours=1)


def test_tickets_without_a_contract_get_the_fallback_policy(setup, at):
    org = make_org()
    ticket = make_ticket(make_contact(org), org)
    history = _history(ticket)
    assert history.policy is not None and history.policy.is_fallback
    assert history.compute(at(1)).first_response.due_at == ticket.created_at + timedelta(hours=8)


def test_no_policy_at_all_means_no_sla(setup, at):
    org = make_org()
    ticket = make_ticket(make_contact(org), org, priority=4)
    assert _history(ticket).compute(at(1)) is None


def test_many_histories_cost_a_fixed_number_of_queries(setup, at, django_assert_num_queries):
    ticket, contact, agent = setup
    others = [make_ticket(contact, ticket.organisation) for _ in range(6)]
    for other in others:
        services.reply(by=agent, ticket=other, body="hi")
    tickets = list(sla_tickets().filter(id__in=[ticket.id, *(o.id for o in others)]))
    with django_assert_num_queries(3):
        histories = load_histories(tickets)
    assert len(histories) == 7
    assert all(h.compute(at(3)) is not None for h in histories.values())
