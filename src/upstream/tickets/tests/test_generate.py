"""`upstream generate`: the demo set is complete and consistent; bulk tickets are valid and numbered uniquely."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from upstream.accounts.demo import DEMO_LOGINS
from upstream.accounts.models import Role, User
from upstream.channels.email.demo import EMAIL_TICKETS
from upstream.customers.models import (
    Contact,
    Contract,
    ContractStatus,
    Membership,
    Organisation,
    PlanKind,
    Product,
    SupportPlan,
)
from upstream.tickets.models import Activity, Category, Message, MessageKind, Status, Ticket, TicketCounter

pytestmark = pytest.mark.django_db
HAN = re.compile(r"[\u4e00-\u9fff]")
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str) -> str:
    out = StringIO()
    call_command("generate", *args, stdout=out)
    return out.getvalue()


def check_timeline(ticket: Ticket, messages: list[Message], activities: list[Activity], now) -> None:
    """What the services guarantee about one ticket's times, messages and activity log."""
    assert messages, f"{ticket} has no message"
    assert messages[0].created_at == ticket.created_at
    assert ticket.created_at <= ticket.updated_at <= now
    # Time entries are bookkeeping logged whenever the work is booked (often after the ticket closed); they do not
    # touch the ticket, so only the conversation's own activity must fall within its lifetime.
    lifecycle = [a for a in activities if a.field != "time_entry"]
    for moment in [*(m.created_at for m in messages), *(a.created_at for a in lifecycle)]:
        assert ticket.created_at <= moment <= ticket.updated_at, (ticket, moment)
    agent_replies = [
        m.created_at
        for m in messages[1:]
        if m.kind == MessageKind.PUBLIC and m.author_user_id and m.author_contact_id is None
    ]
    assert ticket.first_responded_at == (min(agent_replies) if agent_replies else None), ticket
    assert (ticket.resolved_at is not None) == (ticket.status in (Status.RESOLVED, Status.CLOSED)), ticket
    assert (ticket.closed_at is not None) == (ticket.status == Status.CLOSED), ticket
    if ticket.closed_at:
        assert ticket.resolved_at is not None and ticket.resolved_at <= ticket.closed_at
    # The activity log: one "created", a status chain from new to the current status, an entry per message.
    assert [a.created_at for a in activities if a.action == "created"] == [ticket.created_at]
    status: str = Status.NEW
    for change in (a for a in activities if a.action == "changed" and a.field == "status"):
        assert change.before == status, (ticket, change.before, status)
        status = str(change.after)
    assert status == ticket.status, ticket
    logged = {a.after["message"] for a in activities if a.action in ("replied", "noted") and a.after}
    assert logged == {m.id for m in messages[1:]}, ticket


def check_all(tickets: list[Ticket]) -> None:
    ids = [t.id for t in tickets]
    messages, activities = defaultdict(list), defaultdict(list)
    for m in Message.objects.filter(ticket_id__in=ids).order_by("created_at", "id"):
        messages[m.ticket_id].append(m)
    for a in Activity.objects.filter(ticket_id__in=ids).order_by("created_at", "id"):
        activities[a.ticket_id].append(a)
    now = timezone.now()
    for ticket in tickets:
        check_timeline(ticket, messages[ticket.id], activities[ticket.id], now)


@pytest.mark.smoke
def test_small_demo_and_bulk_run_on_any_database():
    output = run("--demo", "--demo-tickets", "24", "--tickets", "300", "--batch", "128")
    assert "Generated 300 tickets" in output
    # 24 demo tickets, those opened by the demo emails (email channel), 300 bulk tickets.
    assert Ticket.objects.count() == 324 + EMAIL_TICKETS
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    assert TicketCounter.objects.get().last_number == max(numbers)
    assert not Ticket.objects.annotate(n=Count("messages")).filter(n=0).exists()
    check_all(list(Ticket.objects.filter(number__lte=min(numbers) + 23)))


def test_bulk_tickets_are_valid_and_numbered_uniquely():
    run("--tickets", "500", "--batch", "200")
    tickets = list(Ticket.objects.all())
    assert len(tickets) == 500
    numbers = sorted(t.number for t in tickets)
    assert numbers == list(range(numbers[0], numbers[0] + 500))
    assert TicketCounter.objects.get().last_number == numbers[-1]
    check_all(tickets)
    by_number = sorted(tickets, key=lambda t: t.number)
    assert [t.created_at for t in by_number] == sorted(t.created_at for t in tickets)
    assert by_number[0].created_at < timezone.now() - timedelta(days=600)
    statuses = {t.status for t in tickets}
    assert Status.CLOSED in statuses and statuses & {Status.NEW, Status.OPEN, Status.WAITING_CUSTOMER}
    assert sum(t.status == Status.CLOSED for t in tickets) > 400  # most history is done
    assert Message.objects.count() > 900  # the opening message, and a reply on most
    assert len({t.organisation_id for t in tickets}) == Organisation.objects.count()
    # A second run continues the numbering.
    run("--tickets", "50")
    assert Ticket.objects.count() == 550
    assert Ticket.objects.values("number").distinct().count() == 550


def test_nothing_to_generate_is_an_error():
    with pytest.raises(CommandError):
        run()


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """The demo set, loaded once for the class inside a transaction that is rolled back afterwards (with the same
    fast password hasher that the suite's function-scoped settings use, so check_password works in the tests)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield run("--demo")
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.usefixtures("demo")
class TestDemo:
    def test_logins(self):
        users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])}
        assert set(users) == {d.username for d in DEMO_LOGINS}
        for demo in DEMO_LOGINS:
            assert users[demo.username].role == demo.role
            assert users[demo.username].check_password(demo.password)
        assert users["admin"].is_superuser and users["admin"].is_staff
        li_wei_teams = set(users["li.wei"].teams.values_list("name", flat=True))
        anna_teams = set(users["anna"].teams.values_list("name", flat=True))
        assert li_wei_teams and anna_teams and not li_wei_teams & anna_teams
        zhang = Membership.objects.get(contact__user=users["zhang.min"])
        tom = Membership.objects.get(contact__user=users["tom"])
        assert zhang.is_admin and not tom.is_admin
        assert zhang.organisation != tom.organisation
        assert Contact.objects.filter(user__isnull=True).count() >= 3
        assert Contact.objects.annotate(n=Count("memberships")).filter(n__gt=1).exists()  # works for two customers
        assert {u.role for u in users.values()} == {Role.ADMIN, Role.AGENT, Role.CUSTOMER}

    def test_customers_products_plans_contracts(self):
        for name in ("PostgreSQL", "Kubernetes", "Keycloak", "Odoo"):
            assert Product.objects.get(name=name).versions.count() >= 3
        assert set(SupportPlan.objects.values_list("kind", flat=True)) == set(PlanKind.values)
        assert len(set(SupportPlan.objects.values_list("highest_priority", flat=True))) >= 3
        statuses = set(Contract.objects.values_list("status", flat=True))
        assert {ContractStatus.ACTIVE, ContractStatus.TRIAL, ContractStatus.GRACE, ContractStatus.EXPIRED} <= statuses
        assert Organisation.objects.filter(contracts__isnull=True).exists()
        zones = set(Organisation.objects.values_list("time_zone", flat=True))
        assert {"Asia/Shanghai", "Europe/Berlin", "America/New_York"} <= zones
        names = list(Organisation.objects.values_list("name", flat=True))
        assert any(HAN.search(n) for n in names) and any(n.isascii() for n in names)
        assert all(org.domains.exists() for org in Organisation.objects.all())

    def test_tickets_cover_statuses_categories_channels_and_languages(self):
        assert Ticket.objects.count() == 200 + EMAIL_TICKETS
        assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
        assert set(Ticket.objects.values_list("category", flat=True)) == set(Category.values)
        assert Ticket.objects.values("channel").distinct().count() >= 5
        assert set(Ticket.objects.values_list("priority", flat=True)) == {1, 2, 3, 4}
        subjects = list(Ticket.objects.values_list("subject", flat=True))
        assert sum(bool(HAN.search(s)) for s in subjects) > 40
        assert sum(not HAN.search(s) for s in subjects) > 40
        assert Message.objects.filter(kind=MessageKind.INTERNAL).count() > 20
        assert Ticket.objects.filter(assignee__isnull=True, status=Status.NEW).exists()
        assert Ticket.objects.filter(contract__isnull=True).exists()
        assert Ticket.objects.filter(contract__isnull=False).count() > 100
        # Some customer conversations: reopened tickets, replies by contacts with and without a login.
        assert Activity.objects.filter(field="status", before=Status.RESOLVED, after=Status.OPEN).exists()
        assert Message.objects.filter(author_contact__user__isnull=True, author_user__isnull=True).exists()
        assert Message.objects.filter(attachments__isnull=False).exists()

    def test_times_are_consistent(self):
        tickets = list(Ticket.objects.all())
        check_all(tickets)
        now = timezone.now()
        assert min(t.created_at for t in tickets) > now - timedelta(days=91)
        assert max(t.created_at for t in tickets) > now - timedelta(days=3)
        by_number = sorted(tickets, key=lambda t: t.number)
        assert [t.created_at for t in by_number] == sorted(t.created_at for t in tickets)
        responded = [t for t in tickets if t.first_responded_at]
        assert len(responded) > 150

    def test_if_empty_does_nothing_and_a_second_demo_is_refused(self):
        before = (Ticket.objects.count(), Message.objects.count(), User.objects.count())
        assert "nothing generated" in run("--demo", "--if-empty")
        assert "nothing generated" in run("--tickets", "10", "--if-empty")
        assert (Ticket.objects.count(), Message.objects.count(), User.objects.count()) == before
        with pytest.raises(CommandError, match=f"already has {200 + EMAIL_TICKETS} tickets"):
            run("--demo")

    def test_bulk_tickets_reuse_the_demo_reference_data(self):
        users, orgs = User.objects.count(), Organisation.objects.count()
        run("--tickets", "100")
        assert Ticket.objects.count() == 300 + EMAIL_TICKETS
        assert (User.objects.count(), Organisation.objects.count()) == (users, orgs)

    def test_demo_logins_command(self):
        out = StringIO()
        call_command("demo_logins", stdout=out)
        text = out.getvalue()
        for demo in DEMO_LOGINS:
            assert demo.username in text
        assert "password: admin" in text and "password: demo" in text


def test_demo_logins_command_without_demo_data():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "upstream generate --demo" in out.getvalue()
