"""`upstream mail ingest` for MTA pipes (sendmail exit codes) and `upstream mail parse --json`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from upstream.channels.email.models import InboundEmail
from upstream.channels.email.tests.mail_world import build, make_mail_world
from upstream.tickets.models import Ticket

FIXTURES = Path(__file__).parent / "fixtures"


def _run(args, stdin=b"", database_url=None, media_root=None):
    env = {**os.environ}
    if database_url:
        env["DATABASE_URL"] = database_url
    if media_root:
        env["MEDIA_ROOT"] = str(media_root)
    return subprocess.run(
        [sys.executable, "-m", "upstream", *args], input=stdin, capture_output=True, env=env, timeout=60, check=False
    )


def _test_database_url():
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host = settings["HOST"] or "127.0.0.1"
    return f"postgres://{settings['USER']}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_pipe_stores_the_message_and_exits_0(settings, tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database is not visible to a second process")
    world = make_mail_world()
    result = _run(
        ["mail", "ingest", "--mailbox", world.mailbox.address],
        stdin=build(message_id="<pipe@acme.test>"), database_url=_test_database_url(), media_root=settings.MEDIA_ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert InboundEmail.objects.get().message_id == "pipe@acme.test"
    assert Ticket.objects.count() == 1
    again = _run(["mail", "ingest"], stdin=build(message_id="<pipe@acme.test>"), database_url=_test_database_url(),
                 media_root=settings.MEDIA_ROOT)  # fmt: skip
    assert again.returncode == 0 and b"duplicate" in again.stdout
    assert Ticket.objects.get().messages.count() == 1


def test_the_pipe_exits_75_when_the_database_is_down(tmp_path):
    result = _run(
        ["mail", "ingest"], stdin=build(), database_url="postgres://postgres@127.0.0.1:1/nowhere", media_root=tmp_path
    )
    assert result.returncode == 75
    assert b"temporary failure" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_an_unknown_mailbox_defers_rather_than_bounces(settings):
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database is not visible to a second process")
    result = _run(["mail", "ingest", "--mailbox", "nobody@vendor.test"], stdin=build(),
                  database_url=_test_database_url(), media_root=settings.MEDIA_ROOT)  # fmt: skip
    assert result.returncode == 75 and b"no mailbox" in result.stderr


def test_parse_prints_json_of_what_was_understood(tmp_path):
    path = tmp_path / "m.eml"
    path.write_bytes(build(message_id="<p1@acme.test>", cc="Boss <boss@acme.test>", headers={"Precedence": "bulk"}))
    result = _run(["mail", "parse", str(path), "--json"], media_root=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    assert report["from"] == {"address": "li.na@acme.test", "name": "Li Na"}
    assert report["cc"] == [{"address": "boss@acme.test", "name": "Boss"}]
    assert report["message_id"] == "p1@acme.test"
    assert "error 17" in report["body_text"]
    assert report["machine_generated"]["value"] is True
    assert report["error"] is None


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe garbage \x00", b"Content-Type: multipart/mixed\r\n\r\n--x\r\n"])
def test_parse_never_crashes_on_a_broken_message(tmp_path, raw):
    path = tmp_path / "broken.eml"
    path.write_bytes(raw)
    result = _run(["mail", "parse", str(path), "--json"], media_root=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    assert "subject" in report


def test_parse_reports_a_missing_file_as_json(tmp_path):
    result = _run(["mail", "parse", str(tmp_path / "missing.eml"), "--json"], media_root=tmp_path)
    assert result.returncode == 66
    assert "cannot read" in json.loads(result.stdout)["error"]
