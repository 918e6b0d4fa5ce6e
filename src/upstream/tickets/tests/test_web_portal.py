"""The customer portal: the list, opening a ticket within the plan, the public thread, replying and closing."""

# Fixtures are imported from web_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from upstream.core.testing import make_contact, make_contract, make_org, make_plan, make_ticket, upload
from upstream.customers.models import Priority
from upstream.tickets import services
from upstream.tickets.models import Attachment, MessageKind, Status, Ticket
from upstream.tickets.tests.web_world import fast_passwords, login, world  # noqa: F401

pytestmark = pytest.mark.django_db


def refs_in(response):
    return re.findall(r'href="/portal/tickets/([A-Z]+-\d+)/"', response.content.decode())


class TestList:
    @pytest.mark.smoke
    def test_a_contact_sees_their_open_tickets(self, client, world):
        response = login(client, world.alice).get(reverse("tickets:portal"))
        assert response.status_code == 200
        assert refs_in(response) == [world.ticket_a.reference]

    def test_open_and_closed_filters(self, client, world):
        done = make_ticket(world.alice, world.org_a, subject="Done already")
        services.change_status(by=world.agent_a, ticket=done, status=Status.RESOLVED)
        login(client, world.alice)
        assert refs_in(client.get(reverse("tickets:portal"))) == [world.ticket_a.reference]
        assert refs_in(client.get(reverse("tickets:portal"), {"state": "closed"})) == [done.reference]
        assert refs_in(client.get(reverse("tickets:portal"), {"state": "all"})) == [
            done.reference,
            world.ticket_a.reference,
        ]

    def test_org_admin_sees_the_whole_organisation_with_requesters(self, client, world):
        response = login(client, world.a_admin).get(reverse("tickets:portal"))
        assert set(refs_in(response)) == {world.ticket_a.reference, world.ticket_colleague.reference}
        assert "Colleague" in response.content.decode()

    def test_query_count_does_not_grow_with_the_number_of_tickets(self, client, world, django_assert_max_num_queries):
        login(client, world.a_admin)
        client.get(reverse("tickets:portal"))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("tickets:portal"))
        for n in range(20):
            make_ticket([world.alice, world.colleague][n % 2], world.org_a, subject=f"More {n}", product=world.nimbus)
        with django_assert_max_num_queries(len(few)):
            response = client.get(reverse("tickets:portal"))
        assert len(refs_in(response)) == 22

    def test_pages(self, client, world, settings):
        settings.PAGE_SIZE = 2
        for n in range(3):
            make_ticket(world.alice, world.org_a, subject=f"Page {n}")
        login(client, world.alice)
        first = client.get(reverse("tickets:portal"))
        cursor = re.search(r"cursor=([^\"&]+)", first.content.decode()).group(1)
        second = client.get(reverse("tickets:portal"), {"state": "open", "cursor": cursor})
        assert len(refs_in(first)) == 2 and len(refs_in(second)) == 2
        assert not set(refs_in(first)) & set(refs_in(second))
        assert client.get(reverse("tickets:portal"), {"cursor": "%%%"}).status_code == 400


class TestNewTicket:
    def form(self, world, **changes):
        data = {
            "organisation": str(world.org_a.id),
            "product": str(world.nimbus.id),
            "product_version": str(world.nimbus.versions.get(name="2.0").id),
            "category": "defect",
            "priority": "3",
            "subject": "Replication lag",
            "body": "Lag grows to minutes every night.",
            "platform": "private_cloud",
            "environment": "Kubernetes 1.29, 3 replicas",
            "recent_changes": "",
            "purchase_date": "2024-05-01",
            "access_notes": "",
        }
        return {**data, **changes}

    def test_form_renders_without_an_organisation_choice_for_one_organisation(self, client, world):
        body = login(client, world.alice).get(reverse("tickets:portal_new")).content.decode()
        assert 'type="hidden" name="organisation"' in body
        # Plan Premium allows P2 at most: P1 is not offered.
        assert 'value="1"' not in body[body.index('name="priority"') :][:400]

    def test_contacts_of_several_organisations_choose_one(self, client, world):
        other = make_org("Second Org")
        contact = make_contact(world.org_a, other)
        body = login(client, contact).get(reverse("tickets:portal_new")).content.decode()
        assert '<select name="organisation"' in body and "Second Org" in body

    def test_submit_creates_the_ticket(self, client, world):
        login(client, world.alice)
        response = client.post(reverse("tickets:portal_new"), {**self.form(world), "attachments": [upload("lag.csv")]})
        ticket = Ticket.objects.latest("id")
        assert response.status_code == 302
        assert response["Location"] == reverse("tickets:portal_detail", args=[ticket.reference])
        assert (ticket.subject, ticket.requester, ticket.organisation, ticket.priority) == (
            "Replication lag",
            world.alice,
            world.org_a,
            3,
        )
        assert ticket.product_version.name == "2.0" and ticket.environment.startswith("Kubernetes")
        assert ticket.messages.get().attachments.get().filename == "lag.csv"
        assert ticket.contract is not None

    def test_priority_above_the_plan_is_refused(self, client, world):
        response = login(client, world.alice).post(reverse("tickets:portal_new"), self.form(world, priority="1"))
        assert response.status_code == 422
        assert not Ticket.objects.filter(subject="Replication lag").exists()

    def test_uncovered_product_falls_back_to_the_community_priorities(self, client, world):
        data = self.form(world, product=world.relay.id, product_version="", priority="2")
        response = login(client, world.alice).post(reverse("tickets:portal_new"), data)
        assert response.status_code == 422
        assert "Your plan allows priorities P3 to P4" in response.content.decode()

    def test_version_of_another_product_is_refused(self, client, world):
        data = self.form(world, product_version=world.relay.versions.get().id)
        response = login(client, world.alice).post(reverse("tickets:portal_new"), data)
        assert response.status_code == 422
        assert "belongs to Relay, not to Nimbus" in response.content.decode()
        assert not Ticket.objects.filter(subject="Replication lag").exists()

    def test_unknown_product_is_refused(self, client, world):
        response = login(client, world.alice).post(reverse("tickets:portal_new"), self.form(world, product="99999"))
        assert response.status_code == 422
        assert not Ticket.objects.filter(subject="Replication lag").exists()

    def test_another_organisation_cannot_be_chosen(self, client, world):
        data = self.form(world, organisation=world.org_b.id)
        response = login(client, world.alice).post(reverse("tickets:portal_new"), data)
        assert response.status_code == 422
        assert not Ticket.objects.filter(organisation=world.org_b, subject="Replication lag").exists()

    def test_oversize_attachment_is_413_and_nothing_is_saved(self, client, world, settings):
        settings.ATTACHMENT_MAX_BYTES = 10
        before = Ticket.objects.count()
        data = {**self.form(world), "attachments": [upload("dump.sql", b"y" * 50)]}
        response = login(client, world.alice).post(reverse("tickets:portal_new"), data)
        assert response.status_code == 413
        assert "dump.sql is 50" in response.content.decode()
        assert Ticket.objects.count() == before and not Attachment.objects.filter(filename="dump.sql").exists()

    def test_missing_fields_are_form_errors(self, client, world):
        response = login(client, world.alice).post(reverse("tickets:portal_new"), self.form(world, subject="", body=""))
        assert response.status_code == 422
        assert response.content.decode().count("This field is required") == 2

    def test_htmx_refresh_offers_versions_and_priorities_for_the_choice(self, client, world):
        plan_p1 = make_plan("Enterprise", highest_priority=Priority.P1)
        make_contract(world.org_a, plan_p1, products=(world.relay,))
        login(client, world.alice)
        response = client.get(
            reverse("tickets:portal_new"),
            {"organisation": world.org_a.id, "product": world.relay.id, "category": "outage"},
            headers={"HX-Request": "true", "HX-Trigger-Name": "category"},
        )
        body = response.content.decode()
        versions = body[body.index('name="product_version"') :]
        versions = versions[: versions.index("</select>")]
        assert ">3.0<" in versions and ">1.0<" not in versions
        priorities = body[body.index('name="priority"') :]
        priorities = priorities[: priorities.index("</select>")]
        assert 'value="1" selected' in priorities  # an outage suggests P1, which this contract allows

    def test_contact_without_organisation_gets_an_explanation(self, client, world):
        loner = make_contact()
        response = login(client, loner).get(reverse("tickets:portal_new"))
        assert response.status_code == 403
        assert b"Not linked to an organisation" in response.content


class TestTicket:
    def test_public_thread_only(self, client, world):
        services.add_note(by=world.agent_a, ticket=world.ticket_a, body="Customer seems confused")
        services.reply(by=world.agent_a, ticket=world.ticket_a, body="Could you send the logs?")
        body = login(client, world.alice).get(reverse("tickets:portal_detail", args=[world.ticket_a.reference]))
        text = body.content.decode()
        assert "Could you send the logs?" in text
        assert "Customer seems confused" not in text

    def test_reply_with_attachment(self, client, world):
        login(client, world.alice)
        response = client.post(
            reverse("tickets:portal_reply", args=[world.ticket_a.reference]),
            {"body": "Logs attached", "attachments": [upload("app.log"), upload("db.log")]},
        )
        assert response.status_code == 302
        message = world.ticket_a.messages.latest("id")
        assert message.kind == MessageKind.PUBLIC and message.author_contact == world.alice
        assert sorted(message.attachments.values_list("filename", flat=True)) == ["app.log", "db.log"]

    def test_forbidden_attachment_in_a_reply_saves_nothing(self, client, world):
        login(client, world.alice)
        response = client.post(
            reverse("tickets:portal_reply", args=[world.ticket_a.reference]),
            {"body": "installer", "attachments": [upload("setup.msi")]},
        )
        assert response.status_code == 422
        assert world.ticket_a.messages.count() == 1

    def test_close(self, client, world):
        login(client, world.alice)
        response = client.post(reverse("tickets:portal_close", args=[world.ticket_a.reference]))
        assert response.status_code == 302
        world.ticket_a.refresh_from_db()
        assert world.ticket_a.status == Status.CLOSED
        page = client.get(response["Location"]).content.decode()
        assert "This ticket is closed" in page and 'name="body"' not in page

    def test_closing_is_idempotent_and_replying_to_a_closed_ticket_is_409(self, client, world):
        login(client, world.alice)
        client.post(reverse("tickets:portal_close", args=[world.ticket_a.reference]))
        again = client.post(reverse("tickets:portal_close", args=[world.ticket_a.reference]))
        assert again.status_code == 302
        late = client.post(reverse("tickets:portal_reply", args=[world.ticket_a.reference]), {"body": "One more"})
        assert late.status_code == 409
        assert "Please open a new ticket" in late.content.decode()
        assert world.ticket_a.messages.count() == 1
