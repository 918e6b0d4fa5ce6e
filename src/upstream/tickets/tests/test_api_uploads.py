"""Messages with attachments over the API: stored whole or not at all, downloaded with safe headers."""

import pytest

from upstream.core.testing import api_client, make_agent, make_contact, make_org, make_team, make_ticket, upload
from upstream.tickets.models import Attachment, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    team = make_team()
    org = make_org(team=team)
    customer = make_contact(org)
    return {"ticket": make_ticket(customer, org), "customer": customer, "agent": make_agent(team)}


def _counts():
    return Message.objects.count(), Attachment.objects.count()


def test_customer_uploads_files_with_a_reply_and_downloads_them(world):
    client = api_client(world["customer"].user)
    response = client.post(
        f"/api/tickets/{world['ticket'].reference}/messages/upload",
        {
            "body": "Logs attached.",
            "files": [upload("pg.log", b"ERROR: x"), upload("shot.png", b"\x89PNG", "image/png")],
        },
    )
    assert response.status_code == 201, response.content
    message = response.json()
    assert message["kind"] == "public"
    assert [a["filename"] for a in message["attachments"]] == ["pg.log", "shot.png"]
    download = client.get(message["attachments"][0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"ERROR: x"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_html_attachment_is_never_served_as_html(world):
    client = api_client(world["customer"].user)
    message = client.post(
        f"/api/tickets/{world['ticket'].number}/messages/upload",
        {"body": "see", "files": [upload("page.html", b"<script>alert(1)</script>", "text/html")]},
    ).json()
    download = client.get(message["attachments"][0]["url"])
    assert download["Content-Type"] == "application/octet-stream"
    assert "sandbox" in download["Content-Security-Policy"]


def test_agent_uploads_to_an_internal_note_that_customers_cannot_download(world):
    response = api_client(world["agent"]).post(
        f"/api/tickets/{world['ticket'].number}/messages/upload",
        {"body": "core dump", "kind": "internal", "files": [upload("core.txt", b"secret")]},
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "internal"
    url = response.json()["attachments"][0]["url"]
    hidden = api_client(world["customer"].user).get(url)
    assert hidden.status_code == 404
    assert hidden.json() == {"detail": "no such attachment"}


def test_customer_cannot_upload_an_internal_note(world):
    before = _counts()
    response = api_client(world["customer"].user).post(
        f"/api/tickets/{world['ticket'].number}/messages/upload",
        {"body": "x", "kind": "internal", "files": [upload()]},
    )
    assert response.status_code == 403
    assert _counts() == before


def test_oversize_attachment_is_413_and_nothing_is_saved(world, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    before = _counts()
    response = api_client(world["customer"].user).post(
        f"/api/tickets/{world['ticket'].number}/messages/upload",
        {"body": "two files", "files": [upload("ok.txt", b"small"), upload("big.log", b"x" * 11)]},
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "big.log is 11 bytes; attachments may be at most 10 bytes",
        "field": "attachments",
    }
    assert _counts() == before


@pytest.mark.parametrize("name", ["setup.exe", "run.JS", "../../evil.bat"])
def test_forbidden_type_is_422_and_nothing_is_saved(world, name):
    before = _counts()
    response = api_client(world["agent"]).post(
        f"/api/tickets/{world['ticket'].number}/messages/upload",
        {"body": "tool", "files": [upload("notes.txt"), upload(name, b"MZ")]},
    )
    assert response.status_code == 422
    assert "are not accepted" in response.json()["detail"]
    assert response.json()["field"] == "attachments"
    assert _counts() == before


def test_empty_file_is_422(world):
    response = api_client(world["agent"]).post(
        f"/api/tickets/{world['ticket'].number}/messages/upload", {"body": "x", "files": [upload("e.txt", b"")]}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "e.txt is empty"


def test_upload_without_body_is_422_listing_the_field(world):
    response = api_client(world["agent"]).post(
        f"/api/tickets/{world['ticket'].number}/messages/upload", {"files": [upload()]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_unknown_message_kind_is_422(world):
    response = api_client(world["agent"]).post(
        f"/api/tickets/{world['ticket'].number}/messages/upload", {"body": "x", "kind": "secret"}
    )
    assert response.status_code == 422
    assert "'public' or 'internal'" in response.json()["detail"]


def test_request_larger_than_the_server_accepts_is_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client(world["agent"]).post(
        f"/api/tickets/{world['ticket'].number}/replies", {"body": "x" * 5000}, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "the request body is too large"}
