"""The home address, signing in and out, and the preferences page (time zone)."""

# Fixtures are imported from web_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest
from django.urls import reverse

from upstream.accounts.models import User
from upstream.core.testing import PASSWORD, make_agent, make_contact, make_org, make_ticket
from upstream.tickets.tests.web_world import fast_passwords, login  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_home_sends_each_role_to_its_start(client, fast_passwords):
    assert client.get("/")["Location"] == reverse("accounts:login")
    assert login(client, make_agent()).get("/")["Location"] == reverse("tickets:inbox_home")
    assert login(client, make_contact(make_org())).get("/")["Location"] == reverse("tickets:portal")


def test_sign_in_page_and_sign_in(client, fast_passwords):
    agent = make_agent()
    assert client.get(reverse("accounts:login")).status_code == 200
    response = client.post(reverse("accounts:login"), {"username": agent.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")


def test_wrong_password_is_a_form_error(client, fast_passwords):
    agent = make_agent()
    response = client.post(reverse("accounts:login"), {"username": agent.username, "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_sign_out_is_post_only(client, fast_passwords):
    login(client, make_agent())
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("tickets:inbox_home"))["Location"].startswith(reverse("accounts:login"))


def test_time_zone_preference_changes_how_times_are_shown(client, fast_passwords):
    org = make_org()
    contact = make_contact(org)
    ticket = make_ticket(contact, org)
    login(client, contact)
    response = client.post(reverse("accounts:preferences"), {"time_zone": "Asia/Shanghai", "language": ""})
    assert response.status_code == 302
    assert User.objects.get(id=contact.user.id).time_zone == "Asia/Shanghai"
    from zoneinfo import ZoneInfo

    local = ticket.created_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    utc = ticket.created_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M")
    page = client.get(reverse("tickets:portal_detail", args=[ticket.reference])).content.decode()
    assert local in page and (utc == local or utc not in page)


def test_unknown_time_zone_is_a_form_error(client, fast_passwords):
    agent = make_agent()
    response = login(client, agent).post(reverse("accounts:preferences"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert b"Select a valid choice" in response.content
    agent.refresh_from_db()
    assert agent.time_zone == "UTC"
