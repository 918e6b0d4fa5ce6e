"""`upstream export` writes an archive with progress and records itself; it refuses what it cannot do."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from upstream.accounts.models import AuditEvent
from upstream.core.testing import make_two_organisations
from upstream.portability.tests.archive_tools import manifest, rows

pytestmark = pytest.mark.django_db


def test_export_of_one_organisation_with_progress(tmp_path, capsys):
    world = make_two_organisations()
    path = tmp_path / "org.tar.gz"
    call_command("export", str(path), "--organisation", str(world.org_b.pk))
    out = capsys.readouterr()
    assert "Exported" in out.out and "tickets.ticket" in out.err  # progress bars go to stderr
    assert manifest(path)["scope"]["organisation"] == world.org_b.pk
    assert [t["subject"] for t in rows(path, "tickets.ticket")] == ["Bravo secret outage"]
    event = AuditEvent.objects.get(action="export.written")
    assert event.actor is None and event.target_id == "org.tar.gz" and event.details["scope"]["kind"] == "organisation"


def test_export_refuses_what_it_cannot_do(tmp_path):
    make_two_organisations()
    with pytest.raises(CommandError, match="no organisation with id 999999"):
        call_command("export", str(tmp_path / "x.tar"), "--organisation", "999999")
    existing = tmp_path / "exists.tar"
    existing.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="exists"):
        call_command("export", str(existing))
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export", str(tmp_path / "missing" / "x.tar"))


def test_describe_prints_every_exported_entity(capsys):
    call_command("export", "--describe")
    text = capsys.readouterr().out
    assert "### `tickets.ticket`" in text and "| `organisation` | id of `customers.organisation` |" in text
    assert "### `kb_search.posting`" in text and "not exported" in text
