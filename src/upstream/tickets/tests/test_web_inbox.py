"""The agent inbox: queues in priority-then-age order, filters, keyset pages, capped counts, bulk actions."""

# Fixtures are imported from web_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from upstream.core.testing import make_contact, make_ticket
from upstream.tickets import services
from upstream.tickets.models import Category, Status, Ticket
from upstream.tickets.tests.web_world import fast_passwords, login, world  # noqa: F401
from upstream.tickets.views import common

pytestmark = pytest.mark.django_db


def inbox(client, queue="open", **params):
    return client.get(reverse("tickets:inbox", args=[queue]), params)


def refs_in(response):
    """Ticket references of the result rows, in page order."""
    return re.findall(r'href="/tickets/([A-Z]+-\d+)/"', response.content.decode())


def test_inbox_home_goes_to_all_open(client, world):
    response = login(client, world.agent_a).get(reverse("tickets:inbox_home"))
    assert response.status_code == 302 and response["Location"] == reverse("tickets:inbox", args=["open"])


@pytest.mark.smoke
def test_inbox_lists_the_queue(client, world):
    response = inbox(login(client, world.agent_a))
    assert response.status_code == 200
    assert refs_in(response) == [world.ticket_a.reference, world.ticket_colleague.reference]
    assert b"All open" in response.content


def test_unknown_queue_is_404(client, world):
    assert inbox(login(client, world.agent_a), "everything").status_code == 404


def test_sorted_by_priority_then_age(client, world):
    t = world.ticket_a
    Ticket.objects.filter(id=world.ticket_colleague.id).update(priority=1, created_at=t.created_at + timedelta(1))
    old_p1 = make_ticket(world.alice, world.org_a, subject="Old outage", priority=2)
    Ticket.objects.filter(id=old_p1.id).update(priority=1, created_at=t.created_at - timedelta(days=3))
    refs = refs_in(inbox(login(client, world.agent_a)))
    assert refs == [old_p1.reference, world.ticket_colleague.reference, world.ticket_a.reference]


def test_queues_mine_unassigned_waiting(client, world):
    services.assign_ticket(by=world.agent_a, ticket=world.ticket_a, assignee=world.agent_a)
    services.change_status(by=world.agent_a, ticket=world.ticket_colleague, status=Status.WAITING_CUSTOMER)
    login(client, world.agent_a)
    assert refs_in(inbox(client, "mine")) == [world.ticket_a.reference]
    assert refs_in(inbox(client, "unassigned")) == [world.ticket_colleague.reference]
    assert refs_in(inbox(client, "waiting")) == [world.ticket_colleague.reference]


def test_closed_tickets_leave_the_open_queue(client, world):
    services.change_status(by=world.agent_a, ticket=world.ticket_a, status=Status.CLOSED)
    assert refs_in(inbox(login(client, world.agent_a))) == [world.ticket_colleague.reference]


class TestFilters:
    def test_by_priority_category_and_product(self, client, world):
        login(client, world.agent_a)
        response = inbox(client, product=world.nimbus.id)
        assert refs_in(response) == [world.ticket_a.reference]
        assert f'<option value="{world.nimbus.id}" selected>Nimbus</option>' in response.content.decode()
        assert refs_in(inbox(client, category=Category.OUTAGE)) == []
        assert refs_in(inbox(client, priority=world.ticket_a.priority, q="Alpha cluster")) == [world.ticket_a.reference]

    def test_by_assignee_team_organisation_status_channel(self, client, world):
        services.assign_ticket(by=world.agent_a, ticket=world.ticket_a, assignee=world.agent_b)
        login(client, world.admin)
        assert refs_in(inbox(client, assignee=world.agent_b.id)) == [world.ticket_a.reference]
        assert refs_in(inbox(client, team=world.database.id)) == [world.ticket_b.reference]
        assert set(refs_in(inbox(client, organisation=world.org_a.id))) == {
            world.ticket_a.reference,
            world.ticket_colleague.reference,
        }
        assert len(refs_in(inbox(client, status=Status.NEW, channel="portal"))) == 3
        assert refs_in(inbox(client, channel="email")) == []

    def test_search_by_number(self, client, world):
        response = inbox(login(client, world.agent_a), q=str(world.ticket_colleague.number))
        assert refs_in(response) == [world.ticket_colleague.reference]

    def test_an_invalid_filter_is_reported_and_the_others_still_apply(self, client, world):
        response = inbox(login(client, world.agent_a), priority="9", product=world.nimbus.id)
        assert response.status_code == 400
        assert b"Select a valid choice" in response.content
        assert refs_in(response) == [world.ticket_a.reference]

    def test_filters_survive_queue_switching(self, client, world):
        body = inbox(login(client, world.agent_a), q="Alpha").content.decode()
        assert 'href="/inbox/mine/?q=Alpha"' in body

    def test_htmx_request_gets_only_the_results(self, client, world):
        login(client, world.agent_a)
        response = client.get(reverse("tickets:inbox", args=["open"]), {"q": "Alpha"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert b"<html" not in response.content and b'class="results-head"' in response.content
        assert "HX-Request" in response["Vary"]


class TestPages:
    @pytest.fixture
    def many(self, world, settings):
        settings.PAGE_SIZE = 3
        for n in range(5):
            make_ticket(world.alice, world.org_a, subject=f"Extra {n}")
        return world

    def test_next_and_first_links_walk_every_ticket_once(self, client, many):
        login(client, many.agent_a)
        seen, response, pages = [], inbox(client), 0
        while True:
            pages += 1
            seen += refs_in(response)
            match = re.search(r'href="\?(?:[^"]*&amp;)?cursor=([^"]+)"', response.content.decode())
            if not match:
                break
            assert "First page" in response.content.decode() or pages == 1
            response = inbox(client, cursor=match.group(1))
        assert pages == 3
        assert len(seen) == len(set(seen)) == 7

    def test_a_malformed_cursor_shows_the_first_page_with_a_message(self, client, many):
        response = inbox(login(client, many.agent_a), cursor="not-a-cursor")
        assert response.status_code == 400
        assert b"no longer valid" in response.content
        assert len(refs_in(response)) == 3

    def test_counts_are_capped(self, client, many, monkeypatch):
        monkeypatch.setattr(common, "COUNT_CAP", 4)
        assert b"4+ tickets" in inbox(login(client, many.agent_a)).content
        monkeypatch.setattr(common, "COUNT_CAP", 100)
        assert b"7 tickets" in inbox(client).content


def test_query_count_does_not_grow_with_the_number_of_tickets(client, world, django_assert_max_num_queries):
    login(client, world.agent_a)
    inbox(client)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert len(refs_in(inbox(client))) == 2
    others = [make_contact(world.org_a) for _ in range(3)]
    for n in range(20):
        ticket = make_ticket(others[n % 3], world.org_a, subject=f"Load {n}", product=world.nimbus)
        services.update_ticket(
            by=world.agent_a,
            ticket=ticket,
            changes=services.TicketChanges(assignee=world.agent_a, tags=[f"tag{n}", "load"]),
        )
    with django_assert_max_num_queries(len(few)):
        response = inbox(client)
    assert len(refs_in(response)) == 22


class TestBulk:
    def post(self, client, **data):
        return client.post(reverse("tickets:bulk"), {"queue": "open", "query": "q=Alpha", **data})

    def test_assign_to_me(self, client, world):
        login(client, world.agent_a)
        refs = [world.ticket_a.reference, world.ticket_colleague.reference]
        response = self.post(client, action="assign", assignee="me", tickets=refs)
        assert response.status_code == 302
        assert response["Location"] == reverse("tickets:inbox", args=["open"]) + "?q=Alpha"
        assert set(Ticket.objects.filter(assignee=world.agent_a).values_list("id", flat=True)) == {
            world.ticket_a.id,
            world.ticket_colleague.id,
        }
        assert "Assigned 2 tickets" in client.get(response["Location"]).content.decode()

    def test_assign_to_another_agent_and_unassign(self, client, world):
        login(client, world.agent_a)
        self.post(client, action="assign", assignee=str(world.agent_b.id), tickets=[world.ticket_a.number])
        world.ticket_a.refresh_from_db()
        assert world.ticket_a.assignee == world.agent_b
        self.post(client, action="assign", assignee="nobody", tickets=[world.ticket_a.number])
        world.ticket_a.refresh_from_db()
        assert world.ticket_a.assignee is None

    def test_close(self, client, world):
        login(client, world.agent_a)
        self.post(client, action="close", tickets=[world.ticket_a.reference, world.ticket_colleague.reference])
        assert set(Ticket.objects.filter(status=Status.CLOSED).values_list("id", flat=True)) == {
            world.ticket_a.id,
            world.ticket_colleague.id,
        }

    def test_tickets_of_other_teams_are_reported_not_changed(self, client, world):
        login(client, world.agent_a)
        response = self.post(client, action="close", tickets=[world.ticket_a.reference, world.ticket_b.reference])
        page = client.get(response["Location"]).content.decode()
        assert f"{world.ticket_b.reference} was not changed" in page
        world.ticket_b.refresh_from_db()
        assert world.ticket_b.status == Status.NEW

    def test_nothing_selected_is_a_400_with_the_error_on_the_inbox(self, client, world):
        response = self.post(login(client, world.agent_a), action="close")
        assert response.status_code == 400
        assert b"Select at least one ticket" in response.content
        assert b'class="results-head"' in response.content

    def test_bad_values_are_400(self, client, world):
        login(client, world.agent_a)
        assert self.post(client, action="delete", tickets=[world.ticket_a.number]).status_code == 400
        assert self.post(client, action="assign", assignee="999999", tickets=[world.ticket_a.number]).status_code == 400
        assert self.post(client, action="close", tickets=["DROP TABLE"]).status_code == 400
        assert not Ticket.objects.filter(status=Status.CLOSED).exists()
