"""Bad input never makes a 500: every error is JSON with a clear `detail` and the status that fits.

400 malformed body · 401 no or bad credentials · 403 not allowed · 404 not visible or no such thing · 405 wrong
method · 409 conflicts with the ticket's state · 413 too large · 422 a value that does not validate.
"""

import base64
import json

import pytest

from upstream.accounts.services import create_api_token, revoke_api_token
from upstream.core.testing import api_client, make_agent, make_contact, make_org, make_team, make_ticket
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    team = make_team()
    org = make_org(team=team)
    customer = make_contact(org)
    agent = make_agent(team)
    return {"org": org, "customer": customer, "agent": agent, "ticket": make_ticket(customer, org)}


def _json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def _cursor(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.smoke
def test_unknown_endpoint_and_wrong_method_are_json_even_unauthenticated(client):
    assert (
        _json_error(client.get("/api/no/such/thing"), 404)["detail"]
        == "no API endpoint at /api/no/such/thing; see /api/docs"
    )
    response = client.put("/api/tickets")
    assert _json_error(response, 405)["detail"].startswith("PUT is not allowed here")


# --- 400 ----------------------------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_malformed_json_is_400_with_a_clear_message():
    response = api_client(make_agent()).generic("POST", "/api/tickets", b"{oops", content_type="application/json")
    assert _json_error(response, 400)["detail"].startswith("the request body is not valid JSON (Expecting property")


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b'{"organisation": 1, "subject": ', "application/json"),
        (b'{"subject": "\xff\xfe caf\xe9"}', "application/json"),
        (b"organisation=1&subject=x", "application/x-www-form-urlencoded"),
        (b"{'single': 'quotes'}", "application/json"),
        (b"1" * 5000, "application/json"),  # an integer longer than Python will parse
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # nested deeper than the parser recurses
    ],
)
def test_malformed_or_non_utf8_json_body_is_400(world, raw, content_type):
    response = api_client(world["agent"]).generic("POST", "/api/tickets", raw, content_type=content_type)
    body = _json_error(response, 400)
    assert body["detail"].startswith("the request body is not valid")


def test_malformed_multipart_body_is_400(world):
    response = api_client(world["agent"]).generic(
        "POST",
        f"/api/tickets/{world['ticket'].number}/messages/upload",
        b'--x\r\nContent-Disposition: form-data; name="body"\r\n\r\nunterminated',
        content_type="multipart/form-data; boundary=",
    )
    body = _json_error(response, 400)
    assert "multipart" in body["detail"]


# --- 401 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Bearer upk_\u00ff\u00fe", "Bearer " + "x" * 5000])
def test_invalid_token_is_401(world, client, header):
    body = _json_error(client.get("/api/tickets", HTTP_AUTHORIZATION=header), 401)
    assert body["detail"] == "the API token is invalid or has been revoked"


def test_revoked_token_is_401(world, client):
    token, raw = create_api_token(by=world["agent"], name="ci")
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    revoke_api_token(by=world["agent"], token_id=token.id)
    _json_error(client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}"), 401)


# --- 403 ----------------------------------------------------------------------------------------------------------


def test_customer_creating_an_organisation_is_403(world):
    response = api_client(world["customer"].user).post(
        "/api/organisations", {"name": "Mine"}, content_type="application/json"
    )
    assert _json_error(response, 403)["detail"] == "only vendor staff can create organisations"


# --- 404 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "UP-abc",
        "UP-",
        "XX-10001",
        "-1",
        "0",
        "UP--5",
        "10001.5",
        "UP-99999999999999999999999",
        "%20",
        "UP-%00",
        "１０００１",
    ],
)
def test_bad_ticket_references_are_404(world, ref):
    client = api_client(world["agent"])
    for response in (client.get(f"/api/tickets/{ref}"), client.get(f"/api/tickets/{ref}/messages")):
        assert _json_error(response, 404)["detail"].startswith("no ticket")


@pytest.mark.parametrize(
    "path", ["/api/tickets/../me", "/api/tickets/..%2F..%2Fme", "/api/tickets/UP-1/nope", "/api/x"]
)
def test_unknown_paths_are_json_404(world, path):
    body = _json_error(api_client(world["agent"]).get(path), 404)
    assert "no" in body["detail"]


def test_posting_to_an_unknown_path_is_json_404_not_a_csrf_page(world):
    client = api_client(world["agent"])
    client.handler.enforce_csrf_checks = True  # as for a real API client, which sends no CSRF token
    response = client.post("/api/ticket", {"subject": "typo in the path"}, content_type="application/json")
    _json_error(response, 404)


def test_missing_attachment_is_404(world):
    _json_error(api_client(world["agent"]).get("/api/attachments/987654321"), 404)


def test_wrong_method_is_json_405(world):
    response = api_client(world["agent"]).delete(f"/api/tickets/{world['ticket'].number}")
    body = _json_error(response, 405)
    assert "DELETE is not allowed" in body["detail"]
    assert "PATCH" in response["Allow"]


# --- 409 ----------------------------------------------------------------------------------------------------------


def test_invalid_status_change_is_409_naming_the_allowed_ones(world):
    client = api_client(world["agent"])
    ref = world["ticket"].number
    client.patch(f"/api/tickets/{ref}", {"status": "resolved"}, content_type="application/json")
    body = _json_error(client.patch(f"/api/tickets/{ref}", {"status": "new"}, content_type="application/json"), 409)
    assert body == {"detail": "cannot change status from resolved to new; allowed: closed, open", "field": "status"}


# --- 422 ----------------------------------------------------------------------------------------------------------


def _open(world, **payload):
    base = {"organisation": world["org"].id, "requester": world["customer"].id, "subject": "s", "body": "b"}
    return api_client(world["agent"]).post("/api/tickets", {**base, **payload}, content_type="application/json")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": 5}, "subject"),
        ({"subject": ["a"]}, "subject"),
        ({"organisation": "abc"}, "organisation"),
        ({"organisation": 10**30}, "organisation"),
        ({"organisation": -1}, "organisation"),
        ({"organisation": 0}, "organisation"),
        ({"organisation": 1.5}, "organisation"),
        ({"requester": 2**63}, "requester"),
        ({"category": "panic"}, "category"),
        ({"priority": 7}, "priority"),
        ({"priority": "P1"}, "priority"),
        ({"platform": "mainframe"}, "platform"),
        ({"purchase_date": "2024-13-45"}, "purchase_date"),
        ({"purchase_date": "yesterday"}, "purchase_date"),
        ({"tags": "not-a-list"}, "tags"),
        ({"tags": ["x" * 51]}, "tags.0"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"body": "nul \x00 byte"}, "body"),
        ({"subject": "nul \x00 byte"}, "subject"),
        ({"environment": "x" * 20_001}, "environment"),
    ],
)
def test_invalid_field_values_are_422_naming_the_field(world, payload, field):
    before = Ticket.objects.count()
    body = _json_error(_open(world, **payload), 422)
    assert body["field"] == field
    assert body["detail"].startswith(f"invalid input: {field}: ")
    assert body["errors"][0]["field"] == field
    assert Ticket.objects.count() == before


@pytest.mark.parametrize(("payload", "field"), [({"subject": "   "}, "subject"), ({"body": "  \n "}, "body")])
def test_blank_text_is_422_from_the_service(world, payload, field):
    body = _json_error(_open(world, **payload), 422)
    assert body["field"] == field
    assert "empty" in body["detail"]


def test_missing_fields_are_all_listed(world):
    response = api_client(world["agent"]).post("/api/tickets", {"requester": 1}, content_type="application/json")
    body = _json_error(response, 422)
    assert {e["field"] for e in body["errors"]} == {"organisation", "subject", "body"}
    assert all(e["message"] == "Field required" for e in body["errors"])


@pytest.mark.parametrize("raw", [b"", b"[]", b'"text"', b"null"])
def test_body_that_is_not_an_object_is_422(world, raw):
    response = api_client(world["agent"]).generic("POST", "/api/tickets", raw, content_type="application/json")
    _json_error(response, 422)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"priority": "9"},
        {"priority": "high"},
        {"category": "panic"},
        {"channel": "pigeon"},
        {"queue": "everything"},
        {"organisation": "abc"},
        {"organisation": "-3"},
        {"assignee": str(10**40)},
        {"created_from": "2024-02-30"},
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "many"},
        {"q": "x" * 201},
        {"q": "nul\x00"},
        {"tag": "nul\x00"},
        {"cursor": "x" * 1001},
    ],
)
def test_invalid_list_filters_are_422(world, params):
    body = _json_error(api_client(world["agent"]).get("/api/tickets", params), 422)
    assert body["field"] == next(iter(params))


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        _cursor([1, 2]),
        _cursor({"id": 1}),
        _cursor(["abc"]),
        _cursor([10**30]),
        _cursor([-(10**30)]),
        _cursor([{"dt": "nope"}]),
        _cursor([[1]]),
        _cursor([None]),
        _cursor([{"x": 1}]),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
    ],
)
def test_bad_cursors_are_422(world, cursor):
    body = _json_error(api_client(world["agent"]).get("/api/tickets", {"cursor": cursor}), 422)
    assert body == {
        "detail": "the cursor is malformed; use the next_cursor value of a previous page",
        "field": "cursor",
    }


@pytest.mark.parametrize(
    "cursor",
    [_cursor(["x", {"dt": "2024-01-01T00:00:00+00:00"}, 1]), _cursor([1, "yesterday", 1]), _cursor([1, 5, 10**20])],
)
def test_bad_queue_cursors_are_422(world, cursor):
    response = api_client(world["agent"]).get("/api/tickets", {"queue": "open", "cursor": cursor})
    assert _json_error(response, 422)["field"] == "cursor"


@pytest.mark.parametrize("path", ["/api/attachments/-1", "/api/attachments/abc", f"/api/organisations/{2**64}"])
def test_bad_path_ids_are_422(world, path):
    _json_error(api_client(world["agent"]).get(path), 422)


@pytest.mark.parametrize(
    "payload",
    [{"status": "bogus"}, {"priority": 0}, {"tier": "l9"}, {"assignee": "me"}, {"team": 10**25}, {"tags": [None]}],
)
def test_invalid_changes_are_422(world, payload):
    response = api_client(world["agent"]).patch(
        f"/api/tickets/{world['ticket'].number}", payload, content_type="application/json"
    )
    assert _json_error(response, 422)["field"].split(".")[0] == next(iter(payload))


def test_unknown_team_or_assignee_is_422(world):
    client = api_client(world["agent"])
    for field in ("team", "assignee"):
        response = client.patch(
            f"/api/tickets/{world['ticket'].number}", {field: 999_999}, content_type="application/json"
        )
        assert _json_error(response, 422) == {
            "detail": f"unknown {'team' if field == 'team' else 'user'} 999999",
            "field": field,
        }


def test_unknown_fields_are_422_rather_than_silently_ignored(world):
    response = api_client(world["agent"]).patch(
        f"/api/tickets/{world['ticket'].number}", {"stauts": "open"}, content_type="application/json"
    )
    body = _json_error(response, 422)
    assert body["field"] == "stauts"
    assert "Extra inputs are not permitted" in body["detail"]


def test_non_utf8_query_string_and_path_are_handled(world):
    client = api_client(world["agent"])
    search = client.get("/api/tickets?q=%FF%FE&tag=%C3%28")
    assert search.status_code == 200
    assert search.json()["items"] == []
    _json_error(client.get("/api/tickets/UP-%FF%FE"), 404)
