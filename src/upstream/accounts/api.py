"""How API requests authenticate: a personal token (`Authorization: Bearer <token>`) or the browser's session."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from upstream.accounts.models import User
from upstream.accounts.services import authenticate_token


class TokenAuth(HttpBearer):
    """A personal API token. A token that is sent but not valid is refused outright rather than ignored, so a
    client with a revoked token learns why instead of being treated as anonymous."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = authenticate_token(token.strip()) if token.strip() else None
        if user is None:
            raise AuthenticationError(message="the API token is invalid or has been revoked")
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, for the web UI's own calls. A cookie is sent by the browser on every request,
    so unsafe methods must carry the CSRF token (header X-CSRFToken)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # CSRF is checked below, only once a session has authenticated: an anonymous request gets a plain 401.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header")
        return user


def actor(request: HttpRequest) -> User:
    """The user the request is authenticated as; every endpoint requires one."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user
