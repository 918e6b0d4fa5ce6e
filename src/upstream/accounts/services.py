"""State changes for accounts: API tokens and preferences."""

from __future__ import annotations

import secrets
import zoneinfo
from datetime import timedelta

from django.db import transaction

from upstream.accounts.models import ApiToken, Language, User, hash_token
from upstream.core import clock
from upstream.core.errors import InvalidInput, NotFound

TOKEN_PREFIX = "upk_"
# Writing last_used_at on every request would turn every API read into a write; once a minute is enough.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def create_api_token(*, by: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `by`; returns it and the raw secret, which is never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput("give the token a name", field="name")
    if len(name) > 100:
        raise InvalidInput("the name is longer than 100 characters", field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=by, name=name, prefix=raw[:12], key_hash=hash_token(raw))
    return token, raw


@transaction.atomic
def revoke_api_token(*, by: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(id=token_id, user=by, revoked_at__isnull=True).update(revoked_at=clock.now())
    if not updated:
        raise NotFound("no such active token")


def authenticate_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
    return token.user


@transaction.atomic
def update_preferences(*, by: User, time_zone: str | None = None, language: str | None = None) -> User:
    if time_zone is not None:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"unknown time zone {time_zone!r}", field="time_zone") from None
        by.time_zone = time_zone
    if language is not None:
        if language not in Language.values:
            raise InvalidInput(f"unknown language {language!r}", field="language")
        by.language = language
    by.save(update_fields=["time_zone", "language"])
    return by
