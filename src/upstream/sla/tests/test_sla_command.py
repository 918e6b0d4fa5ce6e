"""`upstream sla vectors PATH`: one line per failing vector, then "N passed, M failed"; non-zero exit on any failure."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from upstream.sla.management.commands.sla import Command

pytestmark = pytest.mark.smoke

VECTORS_FILE = (Path(__file__).parents[4] / "../shared/data/sla-vectors/vectors.json").resolve()

ONE_VECTOR = {
    "id": "monday-morning",
    "calendar": {"tz": "UTC", "hours": {"mon": [["09:00", "17:00"]]}, "holidays": []},
    "op": "add",
    "start": "2025-06-02T09:00:00Z",
    "duration_seconds": 3600,
    "expected": "2025-06-02T10:00:00Z",
}


def run(path):
    """The command object itself, so these run whether or not settings list the app; the CLI test covers that."""
    out = StringIO()
    try:
        call_command(Command(), "vectors", str(path), stdout=out)
    except SystemExit as exit_:
        return out.getvalue().splitlines(), exit_.code
    return out.getvalue().splitlines(), 0


def write(tmp_path, vectors):
    path = tmp_path / "vectors.json"
    path.write_text(json.dumps({"vectors": vectors}), encoding="utf-8")
    return path


@pytest.fixture
def real_vectors():
    if not VECTORS_FILE.is_file():
        pytest.skip(f"evaluation data absent: {VECTORS_FILE}")
    return VECTORS_FILE


def test_the_shared_vectors_all_pass(real_vectors):
    count = len(json.loads(real_vectors.read_text(encoding="utf-8"))["vectors"])
    lines, status = run(real_vectors)
    assert lines == [f"{count} passed, 0 failed"]  # 31 in the current sample
    assert status == 0


def test_a_wrong_expectation_is_reported_by_id_and_fails_the_run(tmp_path):
    wrong = ONE_VECTOR | {"id": "deliberately-wrong", "expected": "2025-06-02T11:00:00Z"}
    lines, status = run(write(tmp_path, [ONE_VECTOR, wrong]))
    assert lines == [
        "FAIL deliberately-wrong: expected 2025-06-02T11:00:00Z, got 2025-06-02T10:00:00Z",
        "1 passed, 1 failed",
    ]
    assert status == 1


def test_a_wall_clock_expectation_is_shown_as_wall_clock(tmp_path):
    wrong = ONE_VECTOR | {"start": "2025-06-02T09:00:00", "expected": "2025-06-02T09:30:00"}
    lines, status = run(write(tmp_path, [wrong]))
    assert lines[0] == (
        "FAIL monday-morning: expected 2025-06-02T09:30:00 (2025-06-02T09:30:00Z), "
        "got 2025-06-02T10:00:00 (2025-06-02T10:00:00Z)"
    )
    assert status == 1


def test_a_malformed_vector_fails_alone_with_its_reason(tmp_path):
    broken = [
        ONE_VECTOR | {"id": "bad-op", "op": "multiply"},
        ONE_VECTOR | {"id": "bad-calendar", "calendar": {"tz": "Nowhere/Special", "hours": {}}},
        ONE_VECTOR | {"id": "no-expected-seconds", "op": "business_seconds_between", "end": "2025-06-03T00:00:00Z"},
        ONE_VECTOR,
    ]
    lines, status = run(write(tmp_path, broken))
    assert lines == [
        "FAIL bad-op: error: unknown op 'multiply', expected add, subtract or business_seconds_between",
        "FAIL bad-calendar: error: tz: unknown time zone 'Nowhere/Special'",
        "FAIL no-expected-seconds: error: missing 'expected_seconds'",
        "1 passed, 3 failed",
    ]
    assert status == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not valid JSON"),
        ('{"tests": []}', 'no "vectors" list'),
    ],
)
def test_a_missing_or_malformed_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "vectors.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(path)


def cli(*args):
    env = os.environ | {
        "SECRET_KEY": "test-only-secret-key-not-for-production-use",
        "DJANGO_SETTINGS_MODULE": "upstream.settings",
    }
    return subprocess.run(
        [sys.executable, "-m", "upstream", "sla", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_upstream_command_line(real_vectors, tmp_path):
    assert "upstream.sla" in settings.INSTALLED_APPS, "add 'upstream.sla' to INSTALLED_APPS in settings.py"
    count = len(json.loads(real_vectors.read_text(encoding="utf-8"))["vectors"])
    passing = cli("vectors", str(real_vectors))
    assert passing.returncode == 0, passing.stderr
    assert passing.stdout.splitlines()[-1] == f"{count} passed, 0 failed"

    failing = cli("vectors", str(write(tmp_path, [ONE_VECTOR | {"expected": "2025-06-02T11:00:00Z"}])))
    assert failing.returncode != 0
    assert failing.stdout.splitlines()[-1] == "0 passed, 1 failed"

    missing = cli("vectors", str(tmp_path / "nope.json"))
    assert missing.returncode != 0
    assert "cannot read" in missing.stderr and "Traceback" not in missing.stderr
