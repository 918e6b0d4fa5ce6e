"""oauth2: the refresh-token exchange against a token endpoint stand-in (http.server on loopback), and XOAUTH2."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from upstream.channels.email import oauth2
from upstream.channels.email.oauth2 import OAuth2Error
from upstream.channels.email.tests.dovecot import free_port


def exchange(provider, **overrides) -> str:
    values = {
        "token_url": provider.token_url,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "refresh_token": "",
    }
    values.update(overrides)
    return oauth2.refresh_access_token(**values)


def test_refresh_token_exchange(oauth_provider):
    refresh = oauth_provider.grant("agent@example.test")
    token = exchange(oauth_provider, refresh_token=refresh)
    assert oauth_provider.access_tokens[token] == "agent@example.test"
    [(path, form)] = oauth_provider.requests
    assert path == "/token"
    assert form == {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": oauth_provider.client_id,
        "client_secret": oauth_provider.client_secret,
    }


def test_invalid_grant_carries_the_providers_error(oauth_provider):
    with pytest.raises(OAuth2Error) as info:
        exchange(oauth_provider, refresh_token="rt-unknown")
    assert info.value.error == "invalid_grant"
    assert info.value.description == "Token has been expired or revoked."
    assert info.value.status == 400
    assert str(info.value) == (
        f"the OAuth2 token endpoint at 127.0.0.1:{oauth_provider.token_url.split(':')[2].split('/')[0]} refused: "
        "invalid_grant (Token has been expired or revoked.)"
    )


def test_wrong_client_secret(oauth_provider):
    refresh = oauth_provider.grant("agent@example.test")
    with pytest.raises(OAuth2Error, match=r"invalid_client \(Client authentication failed\)") as info:
        exchange(oauth_provider, refresh_token=refresh, client_secret="wrong")
    assert info.value.status == 401


class _Canned(BaseHTTPRequestHandler):
    status = 200
    body = b""

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def canned():
    """A token endpoint that answers whatever the test sets: (status, body)."""
    handler = type("Handler", (_Canned,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def answer(status: int, body: bytes) -> str:
        handler.status, handler.body = status, body
        return f"http://127.0.0.1:{server.server_address[1]}/token"

    yield answer
    server.shutdown()
    server.server_close()


def test_server_error_without_json(canned):
    url = canned(502, b"<html>Bad gateway</html>")
    with pytest.raises(OAuth2Error, match=r"refused: HTTP 502$") as info:
        oauth2.refresh_access_token(token_url=url, client_id="c", client_secret="s", refresh_token="r")
    assert info.value.status == 502


def test_success_status_without_access_token(canned):
    url = canned(200, json.dumps({"token_type": "Bearer"}).encode())
    with pytest.raises(OAuth2Error, match="returned no access_token"):
        oauth2.refresh_access_token(token_url=url, client_id="c", client_secret="s", refresh_token="r")
    url = canned(200, b"not json")
    with pytest.raises(OAuth2Error, match="did not answer with JSON"):
        oauth2.refresh_access_token(token_url=url, client_id="c", client_secret="s", refresh_token="r")


def test_rotated_refresh_token_is_handed_back(canned):
    url = canned(200, json.dumps({"access_token": "at-secret-1", "expires_in": 3600, "refresh_token": "rt-2"}).encode())
    response = oauth2.exchange_refresh_token(token_url=url, client_id="c", client_secret="", refresh_token="rt-1")
    assert (response.access_token, response.expires_in, response.refresh_token) == ("at-secret-1", 3600, "rt-2")
    assert "at-secret-1" not in repr(response) and "rt-2" not in repr(response)


def test_unreachable_endpoint():
    url = f"http://127.0.0.1:{free_port()}/token"
    with pytest.raises(OAuth2Error, match=r"cannot reach the OAuth2 token endpoint at 127\.0\.0\.1"):
        oauth2.refresh_access_token(token_url=url, client_id="c", client_secret="s", refresh_token="r", timeout=2)


@pytest.mark.parametrize("url", ["http://login.example.com/token", "ftp://127.0.0.1/token", "token", ""])
def test_token_url_must_be_https_unless_loopback(url):
    with pytest.raises(OAuth2Error, match="must be https"):
        oauth2.refresh_access_token(token_url=url, client_id="c", client_secret="s", refresh_token="r")


def test_xoauth2_string():
    raw = oauth2.xoauth2_string("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
    # The example from Google's XOAUTH2 documentation.
    assert base64.b64encode(raw) == (
        b"dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
        b"YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
    )
