"""Environment-driven configuration.

Every setting Upstream reads from the environment goes through one of these helpers, so a malformed value stops
start-up with a message naming the variable instead of failing later in some unrelated place. The full table of
variables lives in README.md and docs/configuration.md.
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingError(ImproperlyConfigured):
    """A malformed environment variable; the message names it."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"setting {name}={value!r} is invalid: expected {expected}")
        self.name = name


def _raw(name: str, env: Mapping[str, str] | None) -> str | None:
    return (env if env is not None else os.environ).get(name)


def env_str(name: str, default: str, env: Mapping[str, str] | None = None) -> str:
    value = _raw(name, env)
    return default if value is None else value


def env_bool(name: str, default: bool, env: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, env)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingError(name, value, "true or false")


def env_int(name: str, default: int, env: Mapping[str, str] | None = None, *, minimum: int | None = None) -> int:
    value = _raw(name, env)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise SettingError(name, value, "a whole number") from None
    if minimum is not None and number < minimum:
        raise SettingError(name, value, f"a whole number of at least {minimum}")
    return number


def env_list(name: str, default: list[str], env: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, env)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: list[str], env: Mapping[str, str] | None = None) -> str:
    value = env_str(name, default, env).strip()
    if value not in choices:
        raise SettingError(name, value, "one of " + ", ".join(choices))
    return value


def env_time_zone(name: str, default: str, env: Mapping[str, str] | None = None) -> str:
    value = env_str(name, default, env).strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingError(name, value, "an IANA time zone such as Asia/Shanghai or UTC") from None
    return value


def env_url(name: str, default: str, schemes: list[str], env: Mapping[str, str] | None = None) -> str:
    value = env_str(name, default, env).strip()
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise SettingError(name, value, "a URL starting with " + " or ".join(f"{s}://" for s in schemes))
    return value


MIN_SECRET_KEY_LENGTH = 32


def secret_key(key_file: Path, env: Mapping[str, str] | None = None) -> str:
    """SECRET_KEY from the environment; else the key kept in `key_file`, created (mode 600) on first start.

    A zero-setup install thus gets a strong key that survives restarts; several hosts serving one site must share
    the key, so they set SECRET_KEY explicitly. An explicit key that is too short is refused.
    """
    value = _raw("SECRET_KEY", env)
    if value is not None:
        if len(value) < MIN_SECRET_KEY_LENGTH:
            raise SettingError(
                "SECRET_KEY", "*" * len(value), f"a random string of at least {MIN_SECRET_KEY_LENGTH} characters"
            )
        return value
    try:
        return key_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def database_config(url: str) -> dict[str, object]:
    """Parse DATABASE_URL into Django's DATABASES entry, naming the variable on failure."""
    import dj_database_url

    env_url("DATABASE_URL", url, ["sqlite", "postgres", "postgresql"], {"DATABASE_URL": url})
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise SettingError("DATABASE_URL", url, f"a database URL ({exc})") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets the dev server, a worker and the clock share one file without "database is locked".
        config["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config
