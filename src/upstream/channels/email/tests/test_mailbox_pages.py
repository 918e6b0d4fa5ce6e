"""Admins configure mailboxes in the UI; secrets are write-only; bad input gets form errors."""

import pytest
from django.test import Client

from upstream.channels.email.models import Mailbox
from upstream.core.testing import PASSWORD, make_admin, make_agent, make_team

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Support",
    "address": "Support@Vendor.test",
    "active": "on",
    "imap_host": "imap.vendor.test",
    "imap_port": "993",
    "imap_security": "ssl",
    "imap_username": "support",
    "imap_password": "s3cret-pass",
    "folder": "INBOX",
    "processed_action": "move",
    "move_to": "Done",
    "unknown_senders": "create",
    "auto_acknowledge": "on",
}


@pytest.fixture
def admin_client():
    admin = make_admin()
    client = Client()
    client.login(username=admin.username, password=PASSWORD)
    return client


def test_an_admin_adds_a_mailbox(admin_client):
    team = make_team("Mail")
    response = admin_client.post("/email/mailboxes/new/", {**VALID, "team": team.id})
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert mailbox.address == "support@vendor.test" and mailbox.team == team and mailbox.imap_password == "s3cret-pass"
    listing = admin_client.get("/email/mailboxes/").content.decode()
    assert "support@vendor.test" in listing and "imap.vendor.test" in listing


def test_the_password_is_never_shown_and_an_empty_field_keeps_it(admin_client):
    admin_client.post("/email/mailboxes/new/", VALID)
    mailbox = Mailbox.objects.get()
    page = admin_client.get(f"/email/mailboxes/{mailbox.id}/").content.decode()
    assert "s3cret-pass" not in page
    admin_client.post(f"/email/mailboxes/{mailbox.id}/", {**VALID, "imap_password": "", "name": "Renamed"})
    mailbox.refresh_from_db()
    assert mailbox.name == "Renamed" and mailbox.imap_password == "s3cret-pass"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"address": "not-an-address"}, "address"),
        ({"imap_port": "70000"}, "imap_port"),
        ({"imap_username": ""}, "imap_username"),
        ({"imap_password": ""}, "imap_password"),
        ({"move_to": ""}, "move_to"),
        ({"oauth2_refresh_token": "tok", "imap_password": ""}, "oauth2_token_url"),
        ({"imap_security": "telnet"}, "imap_security"),
    ],
)
def test_bad_input_gets_a_form_error_and_saves_nothing(admin_client, change, field):
    response = admin_client.post("/email/mailboxes/new/", {**VALID, **change})
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not Mailbox.objects.exists()


def test_oauth2_mailboxes_need_no_password(admin_client):
    data = {**VALID, "imap_password": "", "oauth2_refresh_token": "1//refresh", "oauth2_client_id": "cid",
            "oauth2_token_url": "https://oauth2.example.test/token"}  # fmt: skip
    assert admin_client.post("/email/mailboxes/new/", data).status_code == 302
    assert Mailbox.objects.get().uses_oauth2


def test_agents_cannot_configure_mailboxes(client):
    agent = make_agent()
    client.login(username=agent.username, password=PASSWORD)
    assert client.get("/email/mailboxes/").status_code == 403
    assert client.post("/email/mailboxes/new/", VALID).status_code == 403
    assert not Mailbox.objects.exists()


def test_the_mailbox_list_takes_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    for n in range(5):
        Mailbox.objects.create(name=f"M{n}", address=f"m{n}@vendor.test", team=make_team())
    with django_assert_max_num_queries(12):
        assert admin_client.get("/email/mailboxes/").status_code == 200
