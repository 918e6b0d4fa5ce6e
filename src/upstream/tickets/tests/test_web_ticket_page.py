"""The agent ticket page: thread, reply and note with attachments, status changes, fields, contract, activity."""

# Fixtures are imported from web_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest
from django.urls import reverse

from upstream.core.testing import make_contact, make_contract, make_org, make_ticket, upload
from upstream.customers.models import ContractStatus
from upstream.tickets import services
from upstream.tickets.models import Activity, Attachment, Message, MessageKind, Platform, Status, Tier
from upstream.tickets.tests.web_world import fast_passwords, login, world  # noqa: F401

pytestmark = pytest.mark.django_db


def page(client, ticket):
    return client.get(reverse("tickets:detail", args=[ticket.reference]))


def post(client, ticket, action, data):
    return client.post(reverse(f"tickets:{action}", args=[ticket.reference]), data)


@pytest.mark.smoke
def test_page_shows_the_ticket(client, world):
    response = page(login(client, world.agent_a), world.ticket_a)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alpha cluster down" in body and "Something is wrong." in body
    assert "Premium" in body  # the plan at a glance
    assert "No active contract" not in body


def test_lower_case_or_bare_numbers_redirect_to_the_canonical_address(client, world):
    login(client, world.agent_a)
    response = client.get(reverse("tickets:detail", args=[str(world.ticket_a.number)]))
    assert response["Location"] == reverse("tickets:detail", args=[world.ticket_a.reference])


def test_internal_notes_look_different_from_public_replies(client, world):
    services.add_note(by=world.agent_a, ticket=world.ticket_a, body="Checked the WAL archive.")
    services.reply(by=world.agent_a, ticket=world.ticket_a, body="Please send the logs.")
    body = page(login(client, world.agent_a), world.ticket_a).content.decode()
    note_at, reply_at = body.index("Checked the WAL archive."), body.index("Please send the logs.")
    assert body.rfind("msg-internal", 0, note_at) > body.rfind("msg-staff", 0, note_at)
    assert body.rfind("msg-staff", 0, reply_at) > body.rfind("msg-internal", 0, reply_at)
    assert "not visible to the customer" in body


def test_attachments_are_listed_with_download_links(client, world):
    message = services.reply(by=world.agent_a, ticket=world.ticket_a, body="Logs", uploads=[upload("trace.log")])
    attachment = message.attachments.get()
    login(client, world.agent_a)
    assert reverse("tickets:attachment", args=[attachment.id]) in page(client, world.ticket_a).content.decode()
    download = client.get(reverse("tickets:attachment", args=[attachment.id]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"] and b"".join(download.streaming_content) == b"hello"


def test_no_active_contract_shows_a_warning_banner(client, world):
    org = make_org("Lapsed Ltd", team=world.platform)
    make_contract(org, status=ContractStatus.EXPIRED)
    ticket = make_ticket(make_contact(org), org, priority=3)
    body = page(login(client, world.agent_a), ticket).content.decode()
    assert "No active contract." in body and "Expired" in body


def test_a_product_the_contract_does_not_cover_is_flagged(client, world):
    ticket = make_ticket(world.alice, world.org_a, product=world.relay, priority=3)
    body = page(login(client, world.agent_a), ticket).content.decode()
    assert "does not cover Relay" in body


def test_status_choices_are_only_the_allowed_next_ones(client, world):
    services.change_status(by=world.agent_a, ticket=world.ticket_a, status=Status.RESOLVED)
    body = page(login(client, world.agent_a), world.ticket_a).content.decode()
    status_select = body[body.index('name="status" id="id_status"') :]
    status_select = status_select[: status_select.index("</select>")]
    assert 'value="open"' in status_select and 'value="closed"' in status_select
    assert 'value="waiting_customer"' not in status_select


class TestReply:
    def test_reply_with_attachment_and_status(self, client, world):
        login(client, world.agent_a)
        response = post(
            client,
            world.ticket_a,
            "reply",
            {"body": "Fixed in 2.0.1.", "then_status": "resolved", "attachments": [upload("patch.diff")]},
        )
        assert response.status_code == 302
        world.ticket_a.refresh_from_db()
        assert world.ticket_a.status == Status.RESOLVED
        message = world.ticket_a.messages.latest("id")
        assert message.kind == MessageKind.PUBLIC and message.attachments.get().filename == "patch.diff"
        assert "Reply sent" in client.get(response["Location"]).content.decode()

    def test_empty_reply_is_a_form_error(self, client, world):
        response = post(login(client, world.agent_a), world.ticket_a, "reply", {"body": "  "})
        assert response.status_code == 422
        assert b"This field is required" in response.content
        assert world.ticket_a.messages.count() == 1

    def test_oversize_attachment_is_413_and_saves_nothing(self, client, world, settings):
        settings.ATTACHMENT_MAX_BYTES = 10
        response = post(
            login(client, world.agent_a),
            world.ticket_a,
            "reply",
            {"body": "see file", "attachments": [upload("ok.txt", b"tiny"), upload("big.log", b"x" * 11)]},
        )
        assert response.status_code == 413
        assert "big.log is 11" in response.content.decode()
        assert world.ticket_a.messages.count() == 1
        assert not Attachment.objects.filter(filename__in=["ok.txt", "big.log"]).exists()

    def test_forbidden_attachment_type_is_422_and_saves_nothing(self, client, world):
        response = post(
            login(client, world.agent_a), world.ticket_a, "note", {"body": "tool", "attachments": [upload("run.exe")]}
        )
        assert response.status_code == 422
        assert "files of type .exe are not accepted" in response.content.decode()
        assert not Message.objects.filter(kind=MessageKind.INTERNAL).exists()

    def test_reply_on_a_closed_ticket_is_refused(self, client, world):
        services.change_status(by=world.agent_a, ticket=world.ticket_a, status=Status.CLOSED)
        response = post(login(client, world.agent_a), world.ticket_a, "reply", {"body": "late"})
        assert response.status_code == 409
        assert "This ticket is closed; replies are no longer possible." in response.content.decode()
        assert world.ticket_a.messages.count() == 1


def test_note_is_internal(client, world):
    response = post(login(client, world.agent_a), world.ticket_a, "note", {"body": "Customer is on 1.0"})
    assert response.status_code == 302
    assert world.ticket_a.messages.latest("id").kind == MessageKind.INTERNAL


class TestStatus:
    def test_allowed_change(self, client, world):
        response = post(login(client, world.agent_a), world.ticket_a, "status", {"status": "waiting_internal"})
        assert response.status_code == 302
        world.ticket_a.refresh_from_db()
        assert world.ticket_a.status == Status.WAITING_INTERNAL

    def test_invalid_change_is_409_naming_the_allowed_ones(self, client, world):
        services.change_status(by=world.agent_a, ticket=world.ticket_a, status=Status.RESOLVED)
        response = post(login(client, world.agent_a), world.ticket_a, "status", {"status": "waiting_customer"})
        assert response.status_code == 409
        body = response.content.decode()
        assert "cannot change from Resolved to Waiting on customer" in body
        assert "Allowed next: Open, Closed" in body
        world.ticket_a.refresh_from_db()
        assert world.ticket_a.status == Status.RESOLVED

    def test_closed_is_final(self, client, world):
        services.change_status(by=world.agent_a, ticket=world.ticket_a, status=Status.CLOSED)
        response = post(login(client, world.agent_a), world.ticket_a, "status", {"status": "open"})
        assert response.status_code == 409
        assert "the ticket is closed" in response.content.decode()

    def test_unknown_status_is_422(self, client, world):
        response = post(login(client, world.agent_a), world.ticket_a, "status", {"status": "deleted"})
        assert response.status_code == 422


class TestFields:
    def data(self, world, **changes):
        base = {
            "priority": "3",
            "category": "defect",
            "tier": "l1",
            "assignee": "",
            "team": str(world.platform.id),
            "product": str(world.nimbus.id),
            "product_version": "",
            "tags": "",
            "platform": "",
            "environment": "",
            "recent_changes": "",
            "purchase_date": "",
            "access_notes": "",
        }
        return {**base, **changes}

    def test_changes_are_saved_and_logged_with_human_labels(self, client, world):
        version = world.nimbus.versions.get(name="2.0")
        login(client, world.agent_a)
        response = post(
            client,
            world.ticket_a,
            "fields",
            self.data(
                world,
                priority="2",
                tier="l2",
                assignee=str(world.agent_a.id),
                product_version=str(version.id),
                tags="wal, 磁盘，urgent",
                platform="on_premises",
                purchase_date="2024-03-01",
            ),
        )
        assert response.status_code == 302
        ticket = world.ticket_a
        ticket.refresh_from_db()
        assert (ticket.priority, ticket.tier, ticket.assignee, ticket.product_version) == (
            2,
            Tier.L2,
            world.agent_a,
            version,
        )
        assert ticket.platform == Platform.ON_PREMISES and str(ticket.purchase_date) == "2024-03-01"
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["urgent", "wal", "磁盘"]
        body = page(client, ticket).content.decode()
        assert "changed Priority" in body and "P3 – normal" in body and "P2 – high" in body
        assert "changed Support tier" in body

    def test_version_of_another_product_is_refused(self, client, world):
        relay_version = world.relay.versions.get()
        response = post(
            login(client, world.agent_a), world.ticket_a, "fields", self.data(world, product_version=relay_version.id)
        )
        assert response.status_code == 422
        assert "belongs to Relay, not to Nimbus" in response.content.decode()
        world.ticket_a.refresh_from_db()
        assert world.ticket_a.product_version is None

    def test_changing_the_product_drops_the_old_version(self, client, world):
        old = world.nimbus.versions.get(name="1.0")
        services.update_ticket(
            by=world.agent_a, ticket=world.ticket_a, changes=services.TicketChanges(product_version=old)
        )
        response = post(
            login(client, world.agent_a),
            world.ticket_a,
            "fields",
            self.data(world, product=world.relay.id, product_version=old.id),
        )
        assert response.status_code == 302
        world.ticket_a.refresh_from_db()
        assert (world.ticket_a.product, world.ticket_a.product_version) == (world.relay, None)

    def test_purchase_date_can_be_cleared(self, client, world):
        login(client, world.agent_a)
        post(client, world.ticket_a, "fields", self.data(world, purchase_date="2024-03-01"))
        post(client, world.ticket_a, "fields", self.data(world, purchase_date=""))
        world.ticket_a.refresh_from_db()
        assert world.ticket_a.purchase_date is None

    def test_unchanged_form_logs_nothing(self, client, world):
        before = Activity.objects.count()
        post(login(client, world.agent_a), world.ticket_a, "fields", self.data(world))
        assert Activity.objects.count() == before

    def test_htmx_product_change_offers_only_that_products_versions(self, client, world):
        login(client, world.agent_a)
        response = client.get(
            reverse("tickets:detail", args=[world.ticket_a.reference]),
            {"product": world.relay.id},
            headers={"HX-Request": "true"},
        )
        body = response.content.decode()
        block = body[body.index('id="dependent"') :]
        block = block[: block.index("</select>", block.index('name="product_version"'))]
        assert ">3.0<" in block and ">1.0<" not in block
