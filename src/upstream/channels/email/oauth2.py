"""OAuth2 for mailboxes at XOAUTH2 providers (Google, Microsoft 365, …): refresh token → access token, SASL string.

Stdlib only (urllib). The mailbox stores a refresh token; each fetch run exchanges it for a short-lived access token
(RFC 6749 §6, grant_type=refresh_token) and logs in with AUTHENTICATE XOAUTH2. Some providers (Microsoft) return a
new refresh token with each exchange; `exchange_refresh_token` hands it back so the caller can store it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class OAuth2Error(Exception):
    """The token endpoint refused (error/error_description from the provider) or could not be reached."""

    def __init__(self, message: str, *, error: str = "", description: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.error = error  # e.g. "invalid_grant": the refresh token is revoked or expired → the user must reconnect
        self.description = description
        self.status = status


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    expires_in: int | None = None  # seconds, if the provider said
    refresh_token: str | None = None  # a rotated refresh token, if the provider issued one
    scope: str = ""

    def __repr__(self) -> str:  # never log tokens
        return f"TokenResponse(expires_in={self.expires_in}, rotated={self.refresh_token is not None})"


def exchange_refresh_token(
    *, token_url: str, client_id: str, client_secret: str, refresh_token: str, timeout: float = 20
) -> TokenResponse:
    """POST grant_type=refresh_token to `token_url`; raises OAuth2Error with the provider's error on refusal."""
    _check_url(token_url)
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    if client_secret:  # public clients have none
        form["client_secret"] = client_secret
    request = urllib.request.Request(
        token_url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    host = urllib.parse.urlsplit(token_url).netloc
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # scheme checked above
            body = response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        raise _provider_error(exc, host) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OAuth2Error(f"cannot reach the OAuth2 token endpoint at {host}: {reason}") from exc
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise OAuth2Error(f"the OAuth2 token endpoint at {host} did not answer with JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("access_token"), str) or not payload["access_token"]:
        error = str(payload.get("error", "")) if isinstance(payload, dict) else ""
        description = str(payload.get("error_description", "")) if isinstance(payload, dict) else ""
        if error:
            raise OAuth2Error(_message(host, error, description), error=error, description=description)
        raise OAuth2Error(f"the OAuth2 token endpoint at {host} returned no access_token")
    expires_in = payload.get("expires_in")
    rotated = payload.get("refresh_token")
    return TokenResponse(
        access_token=payload["access_token"],
        expires_in=int(expires_in) if isinstance(expires_in, int | str) and str(expires_in).isdigit() else None,
        refresh_token=rotated if isinstance(rotated, str) and rotated and rotated != refresh_token else None,
        scope=str(payload.get("scope", "")),
    )


def refresh_access_token(
    *, token_url: str, client_id: str, client_secret: str, refresh_token: str, timeout: float = 20
) -> str:
    """An access token for `refresh_token`; raises OAuth2Error with the provider's error/error_description."""
    return exchange_refresh_token(
        token_url=token_url,
        client_id=client_id,
        client_secret=client_secret,
        refresh_token=refresh_token,
        timeout=timeout,
    ).access_token


def xoauth2_string(username: str, access_token: str) -> bytes:
    """The SASL XOAUTH2 initial client response (not yet base64; imaplib/smtplib encode it)."""
    return f"user={username}\x01auth=Bearer {access_token}\x01\x01".encode()


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return  # a local stand-in or proxy; tokens never cross the network in clear
    raise OAuth2Error(f"the OAuth2 token URL must be https:// (got {url!r})")


def _provider_error(exc: urllib.error.HTTPError, host: str) -> OAuth2Error:
    error = description = ""
    try:
        payload = json.loads(exc.read(100_000))
        if isinstance(payload, dict):
            error = str(payload.get("error", ""))
            description = str(payload.get("error_description", ""))
    except (ValueError, OSError):
        pass
    if not error:
        error = f"HTTP {exc.code}"
    return OAuth2Error(_message(host, error, description), error=error, description=description, status=exc.code)


def _message(host: str, error: str, description: str) -> str:
    text = f"the OAuth2 token endpoint at {host} refused: {error}"
    return f"{text} ({description})" if description else text
