"""API authentication: a personal bearer token, or the browser session with CSRF on unsafe methods."""

import pytest
from django.test import Client

from upstream.accounts.models import ApiToken
from upstream.accounts.services import create_api_token, revoke_api_token
from upstream.core.testing import PASSWORD, api_client, make_agent, make_contact, make_org, make_team


@pytest.mark.smoke
def test_no_credentials_is_401_json_with_a_bearer_challenge(client):
    response = client.get("/api/tickets")
    assert response.status_code == 401
    assert response.json() == {"detail": "authentication required: send 'Authorization: Bearer <API token>' or sign in"}
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.smoke
def test_openapi_schema_renders_and_docs_page_loads(client):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    document = schema.json()
    assert {"/api/tickets", "/api/tickets/{ref}", "/api/tickets/{ref}/messages/upload", "/api/me"} <= set(
        document["paths"]
    )
    assert document["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert client.get("/api/docs").status_code == 200


@pytest.mark.smoke
@pytest.mark.django_db
def test_token_authenticates_and_records_its_use():
    agent = make_agent(make_team("Platform"))
    token, raw = create_api_token(by=agent, name="laptop")
    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    me = response.json()
    assert (me["username"], me["role"], me["is_staff_member"]) == (agent.username, "agent", True)
    assert [t["name"] for t in me["teams"]] == ["Platform"]
    assert ApiToken.objects.get(id=token.id).last_used_at is not None


@pytest.mark.django_db
def test_revoked_token_and_inactive_users_token_are_refused():
    agent = make_agent()
    token, raw = create_api_token(by=agent, name="ci")
    revoke_api_token(by=agent, token_id=token.id)
    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json() == {"detail": "the API token is invalid or has been revoked"}

    other = make_agent()
    client = api_client(other)
    other.is_active = False
    other.save()
    assert client.get("/api/me").status_code == 401


@pytest.mark.django_db
def test_me_shows_a_customers_organisations():
    org = make_org("Acme")
    contact = make_contact(org, admin=True)
    me = api_client(contact.user).get("/api/me").json()
    assert me["role"] == "customer"
    assert me["contact"] == {"id": contact.id, "name": contact.name}
    assert me["organisations"] == [{"organisation": {"id": org.id, "name": "Acme"}, "is_admin": True}]
    assert me["teams"] == []


@pytest.mark.django_db
def test_session_works_for_reads_and_needs_csrf_for_writes():
    org = make_org()
    contact = make_contact(org)
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=contact.user.username, password=PASSWORD)
    assert browser.get("/api/me").json()["username"] == contact.user.username

    payload = {"organisation": org.id, "subject": "From the browser", "body": "Hello"}
    refused = browser.post("/api/tickets", payload, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("CSRF check failed")

    # What the web UI's script does: echo the csrftoken cookie in the X-CSRFToken header.
    csrf_value = "k" * 32
    browser.cookies["csrftoken"] = csrf_value
    accepted = browser.post("/api/tickets", payload, content_type="application/json", HTTP_X_CSRFTOKEN=csrf_value)
    assert accepted.status_code == 201, accepted.content


@pytest.mark.django_db
def test_anonymous_unsafe_request_is_401_not_a_csrf_error():
    response = Client(enforce_csrf_checks=True).post("/api/tickets", {}, content_type="application/json")
    assert response.status_code == 401
