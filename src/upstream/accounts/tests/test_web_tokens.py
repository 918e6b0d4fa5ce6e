"""Personal API tokens in the account page: created with a name, shown once, listed by prefix, revoked."""

# Fixtures are imported from web_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import re

import pytest
from django.urls import reverse

from upstream.accounts.models import ApiToken, hash_token
from upstream.accounts.services import authenticate_token, create_api_token
from upstream.core.testing import make_agent, make_contact, make_org
from upstream.tickets.tests.web_world import fast_passwords, login  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(fast_passwords):
    return make_agent()


def test_create_shows_the_raw_token_once(client, agent):
    login(client, agent)
    response = client.post(reverse("accounts:tokens"), {"name": "Monitoring"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    raw = re.search(r'id="new-token">([^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=agent)
    assert token.name == "Monitoring" and token.key_hash == hash_token(raw) and raw.startswith(token.prefix)

    listing = client.get(reverse("accounts:tokens")).content.decode()
    assert raw not in listing
    assert token.prefix in listing and "Monitoring" in listing and "Never" in listing
    assert authenticate_token(raw) == agent
    assert "Never" not in client.get(reverse("accounts:tokens")).content.decode()  # last used is now shown


def test_customers_can_have_tokens_too(client, fast_passwords):
    contact = make_contact(make_org())
    response = login(client, contact).post(reverse("accounts:tokens"), {"name": "ERP integration"})
    assert response.status_code == 201
    assert ApiToken.objects.filter(user=contact.user).count() == 1


def test_a_name_is_required(client, agent):
    response = login(client, agent).post(reverse("accounts:tokens"), {"name": "   "})
    assert response.status_code == 422
    assert b"This field is required" in response.content
    assert not ApiToken.objects.exists()


def test_revoke(client, agent):
    token, raw = create_api_token(by=agent, name="CI")
    login(client, agent)
    response = client.post(reverse("accounts:revoke_token", args=[token.id]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and authenticate_token(raw) is None
    assert "Revoked" in client.get(reverse("accounts:tokens")).content.decode()
    assert client.post(reverse("accounts:revoke_token", args=[token.id])).status_code == 404


def test_someone_elses_token_cannot_be_revoked_or_seen(client, agent):
    other = make_agent()
    token, raw = create_api_token(by=other, name="Theirs")
    login(client, agent)
    assert "Theirs" not in client.get(reverse("accounts:tokens")).content.decode()
    assert client.post(reverse("accounts:revoke_token", args=[token.id])).status_code == 404
    assert authenticate_token(raw) == other


def test_revoke_needs_post(client, agent):
    token, _ = create_api_token(by=agent, name="CI")
    assert login(client, agent).get(reverse("accounts:revoke_token", args=[token.id])).status_code == 405
