"""Who may open which page: every page for the right roles, and nothing of organisation B for a contact of A."""

# Fixtures are imported from web_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest
from django.urls import reverse

from upstream.core.testing import upload
from upstream.tickets import services
from upstream.tickets.models import Message, MessageKind, Status
from upstream.tickets.tests.web_world import fast_passwords, login, world  # noqa: F401

pytestmark = pytest.mark.django_db

PageSpec = str | tuple[str, ...]
STAFF_PAGES: list[PageSpec] = ["tickets:inbox_home", ("tickets:inbox", "open"), ("tickets:inbox", "mine")]
PORTAL_PAGES: list[PageSpec] = ["tickets:portal", "tickets:portal_new"]
ACCOUNT_PAGES: list[PageSpec] = ["accounts:preferences", "accounts:tokens"]


def url(spec):
    if isinstance(spec, tuple):
        return reverse(spec[0], args=spec[1:])
    return reverse(spec)


@pytest.mark.parametrize("spec", STAFF_PAGES + PORTAL_PAGES + ACCOUNT_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, spec):
    response = client.get(url(spec))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_visitors_cannot_open_a_ticket_or_attachment(client, world):
    for address in (
        reverse("tickets:detail", args=[world.ticket_a.reference]),
        reverse("tickets:portal_detail", args=[world.ticket_a.reference]),
        reverse("tickets:attachment", args=[world.b_attachment_id]),
    ):
        response = client.get(address)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("spec", [("tickets:inbox", "open"), ("tickets:inbox", "teams"), *ACCOUNT_PAGES])
def test_pages_render_for_agents(client, world, spec):
    assert login(client, world.agent_a).get(url(spec)).status_code == 200


@pytest.mark.parametrize("spec", [*PORTAL_PAGES, *ACCOUNT_PAGES])
def test_pages_render_for_contacts(client, world, spec):
    assert login(client, world.alice).get(url(spec)).status_code == 200


@pytest.mark.parametrize("spec", STAFF_PAGES)
def test_customers_cannot_reach_the_inbox(client, world, spec):
    response = login(client, world.alice).get(url(spec))
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:portal")


def test_customers_cannot_post_staff_actions(client, world):
    login(client, world.alice)
    ref = world.ticket_a.reference
    assert client.post(reverse("tickets:bulk"), {"action": "close", "tickets": [ref]}).status_code == 403
    assert client.post(reverse("tickets:note", args=[ref]), {"body": "sneaky"}).status_code == 403
    assert client.post(reverse("tickets:status", args=[ref]), {"status": "resolved"}).status_code == 403
    assert client.post(reverse("tickets:fields", args=[ref]), {"priority": "1"}).status_code == 403
    assert not Message.objects.filter(kind=MessageKind.INTERNAL).exists()
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.status == Status.NEW


def test_staff_opening_portal_pages_land_on_their_own(client, world):
    login(client, world.agent_a)
    assert client.get(reverse("tickets:portal"))["Location"] == reverse("tickets:inbox_home")
    response = client.get(reverse("tickets:portal_detail", args=[world.ticket_a.reference]))
    assert response["Location"] == reverse("tickets:detail", args=[world.ticket_a.reference])


def test_contact_opening_the_agent_address_of_their_ticket_is_sent_to_the_portal(client, world):
    response = login(client, world.alice).get(reverse("tickets:detail", args=[world.ticket_a.reference]))
    assert response["Location"] == reverse("tickets:portal_detail", args=[world.ticket_a.reference])


class TestOtherOrganisation:
    """A contact of organisation A learns nothing about organisation B's tickets."""

    def test_ticket_pages_are_404(self, client, world):
        login(client, world.alice)
        ref = world.ticket_b.reference
        assert client.get(reverse("tickets:detail", args=[ref])).status_code == 404
        assert client.get(reverse("tickets:portal_detail", args=[ref])).status_code == 404
        assert client.get(reverse("tickets:portal_detail", args=[str(world.ticket_b.number)])).status_code == 404

    def test_attachment_is_404(self, client, world):
        response = login(client, world.alice).get(reverse("tickets:attachment", args=[world.b_attachment_id]))
        assert response.status_code == 404

    def test_posting_to_their_ticket_is_404_and_changes_nothing(self, client, world):
        login(client, world.alice)
        ref = world.ticket_b.reference
        for name, data in (
            ("tickets:portal_reply", {"body": "hello B", "attachments": [upload()]}),
            ("tickets:portal_close", {}),
            ("tickets:reply", {"body": "hello B"}),
            ("tickets:note", {"body": "hello B"}),
            ("tickets:status", {"status": "closed"}),
            ("tickets:fields", {"priority": "1"}),
        ):
            assert client.post(reverse(name, args=[ref]), data).status_code == 404, name
        world.ticket_b.refresh_from_db()
        assert world.ticket_b.status == Status.NEW
        assert world.ticket_b.messages.count() == 1

    def test_their_tickets_never_appear_in_the_portal_list(self, client, world):
        login(client, world.alice)
        for state in ("open", "closed", "all"):
            body = client.get(reverse("tickets:portal"), {"state": state}).content.decode()
            assert reverse("tickets:portal_detail", args=[world.ticket_a.reference]) in body or state == "closed"
            assert world.ticket_b.reference not in body
            assert "Bravo" not in body


def test_a_contact_does_not_see_a_colleagues_ticket_but_the_org_admin_does(client, world):
    ref = world.ticket_colleague.reference
    login(client, world.alice)
    assert client.get(reverse("tickets:portal_detail", args=[ref])).status_code == 404
    assert ref not in client.get(reverse("tickets:portal"), {"state": "all"}).content.decode()

    login(client, world.a_admin)
    assert client.get(reverse("tickets:portal_detail", args=[ref])).status_code == 200
    listing = client.get(reverse("tickets:portal"), {"state": "all"}).content.decode()
    assert ref in listing and world.ticket_a.reference in listing
    assert world.ticket_b.reference not in listing


def test_agents_do_not_see_other_teams_tickets(client, world):
    login(client, world.agent_a)  # Platform; ticket_b belongs to the Database team
    ref = world.ticket_b.reference
    assert client.get(reverse("tickets:detail", args=[ref])).status_code == 404
    assert client.get(reverse("tickets:attachment", args=[world.b_attachment_id])).status_code == 404
    link_a, link_b = reverse("tickets:detail", args=[world.ticket_a.reference]), reverse("tickets:detail", args=[ref])
    for queue in ("open", "unassigned", "teams"):
        page = client.get(reverse("tickets:inbox", args=[queue])).content.decode()
        assert link_a in page
        assert link_b not in page
    for query in (ref, "Bravo"):
        searched = client.get(reverse("tickets:inbox", args=["open"]), {"q": query}).content.decode()
        assert link_b not in searched

    login(client, world.agent_b)
    assert client.get(reverse("tickets:detail", args=[ref])).status_code == 200
    assert client.get(reverse("tickets:attachment", args=[world.b_attachment_id])).status_code == 200


def test_customers_never_download_internal_note_attachments(client, world):
    note = services.add_note(by=world.agent_a, ticket=world.ticket_a, body="log", uploads=[upload("internal.txt")])
    attachment = note.attachments.get()
    assert login(client, world.alice).get(reverse("tickets:attachment", args=[attachment.id])).status_code == 404
    assert login(client, world.agent_a).get(reverse("tickets:attachment", args=[attachment.id])).status_code == 200


def test_admins_see_every_ticket_page(client, world):
    login(client, world.admin)
    for ticket in (world.ticket_a, world.ticket_b, world.ticket_colleague):
        assert client.get(reverse("tickets:detail", args=[ticket.reference])).status_code == 200
