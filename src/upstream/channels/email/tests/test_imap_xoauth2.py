"""XOAUTH2 end to end: refresh token → access token (stand-in token endpoint) → AUTHENTICATE XOAUTH2 at a real Dovecot,
which checks the token at the stand-in's introspection endpoint (Dovecot's oauth2 passdb, see dovecot.py)."""

from __future__ import annotations

import pytest

from upstream.channels.email import imap, oauth2
from upstream.channels.email.imap import ImapError, ImapSettings, Outcome


def oauth_settings(dovecot, user, provider, **overrides) -> ImapSettings:
    values = {
        "host": dovecot.host,
        "port": dovecot.imaps_port,
        "security": "ssl",
        "username": user.username,
        "password": "",  # no password at all: only the token can log in
        "access_token_provider": provider,
        "ca_file": dovecot.ca_file,
        "timeout": 10.0,
    }
    values.update(overrides)
    return ImapSettings(**values)


def test_fetch_with_a_refresh_token(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, b"Subject: via oauth\r\n\r\nhello\r\n")
    refresh_token = dovecot.oauth.grant(user.username)

    def provider() -> str:
        return oauth2.refresh_access_token(
            token_url=dovecot.oauth.token_url,
            client_id=dovecot.oauth.client_id,
            client_secret=dovecot.oauth.client_secret,
            refresh_token=refresh_token,
        )

    got = []
    report = imap.fetch(oauth_settings(dovecot, user, provider), lambda raw: got.append(raw) or Outcome.PROCESSED)

    assert report.processed == 1
    assert got == [b"Subject: via oauth\r\n\r\nhello\r\n"]
    assert "\\Seen" in dovecot.messages(user)[0][0]
    paths = [path for path, _form in dovecot.oauth.requests]
    assert "/token" in paths and "/introspect" in paths  # Dovecot really asked the provider about the token
    # The provider stand-in is shared by the session: find this test's own exchange.
    token_request = next(form for path, form in dovecot.oauth.requests if form.get("refresh_token") == refresh_token)
    assert token_request["grant_type"] == "refresh_token"
    assert "method=XOAUTH2" in dovecot.log and user.username in dovecot.log


def test_a_rejected_access_token_is_a_login_failure_with_the_servers_reason(dovecot):
    user = dovecot.add_user()
    with pytest.raises(
        ImapError, match=rf"^login failed for {user.username}@.*AUTHENTICATIONFAILED.*server said .*401"
    ):
        imap.fetch(oauth_settings(dovecot, user, lambda: "at-forged-token"), lambda raw: Outcome.PROCESSED)


def test_a_token_for_another_user_is_refused(dovecot):
    user, other = dovecot.add_user(), dovecot.add_user()
    token = dovecot.oauth.issue_access_token(other.username)
    with pytest.raises(ImapError, match="login failed"):
        imap.fetch(oauth_settings(dovecot, user, lambda: token), lambda raw: Outcome.PROCESSED)


def test_a_revoked_refresh_token_is_a_login_failure_naming_the_providers_error(dovecot):
    """The token exchange happens before the IMAP connection, so no session is opened with nothing to log in with."""
    user = dovecot.add_user()

    def provider() -> str:
        return oauth2.refresh_access_token(
            token_url=dovecot.oauth.token_url,
            client_id=dovecot.oauth.client_id,
            client_secret=dovecot.oauth.client_secret,
            refresh_token="rt-revoked",
        )

    with pytest.raises(ImapError, match=r"could not get an OAuth2 access token: .*invalid_grant") as info:
        imap.fetch(oauth_settings(dovecot, user, provider), lambda raw: Outcome.PROCESSED)
    assert isinstance(info.value.__cause__, oauth2.OAuth2Error)
    assert info.value.__cause__.error == "invalid_grant"


def test_starttls_with_xoauth2(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, b"Subject: a\r\n\r\na\r\n")
    token = dovecot.oauth.issue_access_token(user.username)
    settings = oauth_settings(dovecot, user, lambda: token, security="starttls", port=dovecot.imap_port)
    assert imap.fetch(settings, lambda raw: Outcome.PROCESSED).processed == 1
