"""A malformed setting stops start-up with a message naming it."""

import os
import subprocess
import sys

import pytest

from upstream.conf import SettingError, database_config, env_bool, env_int, env_list, env_time_zone, env_url, secret_key

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: env_bool("DEBUG", False, {"DEBUG": "maybe"}), "DEBUG"),
        (lambda: env_int("EMAIL_PORT", 25, {"EMAIL_PORT": "twenty"}, minimum=1), "EMAIL_PORT"),
        (lambda: env_int("EMAIL_PORT", 25, {"EMAIL_PORT": "0"}, minimum=1), "EMAIL_PORT"),
        (lambda: env_time_zone("TIME_ZONE", "UTC", {"TIME_ZONE": "Mars/Olympus"}), "TIME_ZONE"),
        (lambda: env_url("REDIS_URL", "", ["redis"], {"REDIS_URL": "http://x"}), "REDIS_URL"),
        (lambda: database_config("mysql://root@localhost/x"), "DATABASE_URL"),
    ],
)
def test_malformed_values_name_the_variable(call, name):
    with pytest.raises(SettingError) as error:
        call()
    assert error.value.name == name
    assert name in str(error.value)


def test_well_formed_values():
    env = {"DEBUG": "yes", "N": "42", "L": " a, b ,,c ", "TZ": "Asia/Shanghai"}
    assert env_bool("DEBUG", False, env) is True
    assert env_int("N", 0, env) == 42
    assert env_list("L", [], env) == ["a", "b", "c"]
    assert env_time_zone("TZ", "UTC", env) == "Asia/Shanghai"
    assert database_config("postgres://u@h:5432/db")["NAME"] == "db"


def _run_upstream(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-m", "upstream", "check"], env=env, capture_output=True, text=True, timeout=120
    )


def test_upstream_command_refuses_to_start_with_a_bad_setting():
    result = _run_upstream({"SECRET_KEY": "s" * 40, "PAGE_SIZE": "lots"})
    assert result.returncode == 2
    assert "PAGE_SIZE" in result.stderr and "Traceback" not in result.stderr


def test_upstream_command_refuses_a_short_secret_key():
    result = _run_upstream({"SECRET_KEY": "short"})
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr and "short" not in result.stderr, "the key itself is never printed"


def test_without_a_secret_key_one_is_created_once_and_kept_private(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    first = secret_key(key_file, {})
    assert len(first) >= 50 and secret_key(key_file, {}) == first
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert secret_key(key_file, {"SECRET_KEY": "x" * 40}) == "x" * 40
