"""Deadline detection at a controlled `now`: a warning and a breach are each recorded and escalated once, and every
escalation action runs (assignee and team lead notified in the app and by email, tier raised and team moved by
"Upstream")."""

from datetime import timedelta

import pytest
from django.core import mail

from upstream.notifications.models import Notification
from upstream.sla import detection, runtime
from upstream.sla.models import SlaEvent, TicketSla
from upstream.sla.tests.runtime_world import BREACH_STEPS, T0
from upstream.tickets import presentation, services
from upstream.tickets.models import Activity, Ticket, Tier

pytestmark = pytest.mark.django_db


def scan(world, hours, capture):
    now = world.at(hours)
    with capture(execute=True):
        return detection.check_deadlines(now)


def events(ticket):
    return list(SlaEvent.objects.filter(ticket=ticket, kind__in=["warned", "breached"]).values_list("metric", "kind"))


@pytest.fixture
def ticket(world):
    world.steps(*BREACH_STEPS)
    ticket = world.ticket()
    runtime.recompute([ticket.id])
    return ticket


def test_nothing_is_due_before_the_warning(world, ticket, django_capture_on_commit_callbacks):
    assert scan(world, 0.5, django_capture_on_commit_callbacks) == 0
    assert events(ticket) == [] and Notification.objects.count() == 0


def test_warning_then_breach_each_once_with_every_escalation(world, ticket, django_capture_on_commit_callbacks):
    # 45 min: 75% of the 1 h first-response target.
    assert scan(world, 0.8, django_capture_on_commit_callbacks) == 1
    assert events(ticket) == [("first_response", "warned")]
    warning = Notification.objects.get()
    assert warning.user == world.agent and warning.kind == "sla_warning" and ticket.reference in warning.text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.agent.email]
    assert scan(world, 0.9, django_capture_on_commit_callbacks) == 0  # the warning is not repeated

    assert scan(world, 1.1, django_capture_on_commit_callbacks) == 1
    assert events(ticket) == [("first_response", "warned"), ("first_response", "breached")]
    breach = Notification.objects.get(kind="sla_breach")
    assert breach.user == world.lead  # the ticket's team lead, notified before the move
    assert [m.to for m in mail.outbox] == [[world.agent.email], [world.lead.email]]
    fresh = Ticket.objects.get(id=ticket.id)
    assert fresh.tier == Tier.L2 and fresh.team == world.other_team
    automated = Activity.objects.filter(ticket=ticket, actor__isnull=True, field__in=["tier", "team"])
    assert sorted(a.field for a in automated) == ["team", "tier"]
    assert {presentation.describe(a).actor for a in automated} == {"Upstream"}

    assert scan(world, 2, django_capture_on_commit_callbacks) == 0  # nothing twice
    assert Notification.objects.count() == 2 and len(mail.outbox) == 2
    sla = TicketSla.objects.get(ticket=ticket)
    assert sla.metrics["first_response"]["breach_notified"] and sla.next_warn_at == T0 + timedelta(hours=6)


def test_a_reply_before_the_scan_prevents_a_false_breach(world, ticket, django_capture_on_commit_callbacks):
    world.at(0.9)
    services.reply(by=world.agent, ticket=ticket, body="Answered")  # its handler did not run (no commit here)
    assert scan(world, 1.5, django_capture_on_commit_callbacks) == 0  # the scan recomputes from history first
    assert events(ticket) == []


def test_a_late_scan_sends_the_breach_without_a_stale_warning(world, ticket, django_capture_on_commit_callbacks):
    assert scan(world, 1.5, django_capture_on_commit_callbacks) == 1
    assert events(ticket) == [("first_response", "breached")]
    assert not Notification.objects.filter(kind="sla_warning").exists()


def test_tier_stops_at_management(world, django_capture_on_commit_callbacks):
    world.steps(("first_response", "breach", "raise_tier"))
    ticket = world.ticket()
    services.update_ticket(by=world.agent, ticket=ticket, changes=services.TicketChanges(tier=Tier.MANAGEMENT))
    runtime.recompute([ticket.id])
    assert scan(world, 1.5, django_capture_on_commit_callbacks) == 1
    assert Ticket.objects.get(id=ticket.id).tier == Tier.MANAGEMENT


def test_customers_still_cannot_change_fields():
    from upstream.core.errors import Forbidden
    from upstream.core.testing import make_contact, make_org, make_ticket

    org = make_org()
    contact = make_contact(org)
    ticket = make_ticket(contact, org)
    with pytest.raises(Forbidden):
        services.update_ticket(by=contact.user, ticket=ticket, changes=services.TicketChanges(tier=Tier.L2))


def test_an_assignee_who_leads_the_team_is_told_once(world, django_capture_on_commit_callbacks):
    world.steps(("first_response", "breach", "notify_assignee"), ("first_response", "breach", "notify_team_lead"))
    ticket = world.ticket()
    services.update_ticket(by=world.agent, ticket=ticket, changes=services.TicketChanges(assignee=world.lead))
    runtime.recompute([ticket.id])
    assert scan(world, 1.5, django_capture_on_commit_callbacks) == 1
    assert list(Notification.objects.values_list("user", flat=True)) == [world.lead.id]
