"""A truncated or tampered archive, a future schema version, a non-empty instance: refused with a clear message,
before anything is written."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from upstream.core.testing import make_org
from upstream.customers.models import Organisation
from upstream.portability import format as fmt
from upstream.portability.importer import import_archive
from upstream.portability.reader import ArchiveError, verify
from upstream.portability.tests.archive_tools import members, rebuild
from upstream.portability.writer import write_archive
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(tmp_path):
    make_org("Exported org")
    path = tmp_path / "good.tar.gz"
    write_archive(path)
    return path


def _manifest(path):
    return json.loads(members(path)["manifest.json"])


def test_a_good_archive_verifies(archive):
    assert verify(archive).schema_version == fmt.SCHEMA_VERSION


def test_a_truncated_archive_is_refused(archive, tmp_path):
    data = archive.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveError, match="truncated or corrupt"):
        verify(cut)


def test_a_missing_member_is_refused(archive, tmp_path):
    short = tmp_path / "short.tar.gz"
    rebuild(archive, short, {}, drop=("data/tickets.message.jsonl",))
    with pytest.raises(ArchiveError, match=r"truncated: data/tickets\.message\.jsonl missing"):
        verify(short)


def test_a_tampered_member_is_refused(archive, tmp_path):
    original = members(archive)["data/customers.organisation.jsonl"]
    tampered = tmp_path / "tampered.tar.gz"
    rebuild(archive, tampered, {"data/customers.organisation.jsonl": original.replace(b"Exported", b"Hijacked")})
    with pytest.raises(ArchiveError, match="does not match its checksum"):
        verify(tampered)


def test_a_row_count_mismatch_is_refused(archive, tmp_path):
    original = members(archive)["data/customers.organisation.jsonl"]
    tampered = tmp_path / "extra.tar.gz"
    rebuild(archive, tampered, {"data/customers.organisation.jsonl": original + original})
    with pytest.raises(ArchiveError, match="has 2 rows, the manifest says 1"):
        verify(tampered)


def test_a_future_schema_version_names_both_versions(archive, tmp_path):
    manifest = _manifest(archive) | {"schema_version": fmt.SCHEMA_VERSION + 1, "upstream_version": "9.0"}
    future = tmp_path / "future.tar.gz"
    rebuild(archive, future, {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(ArchiveError) as refused:
        verify(future)
    message = str(refused.value)
    assert f"schema version {fmt.SCHEMA_VERSION + 1}" in message and f"up to {fmt.SCHEMA_VERSION}" in message


def test_a_broken_or_missing_manifest_is_refused(archive, tmp_path):
    bare = tmp_path / "bare.tar.gz"
    rebuild(archive, bare, {"manifest.json": b"not json"})
    with pytest.raises(ArchiveError, match="not valid JSON"):
        verify(bare)
    headless = tmp_path / "headless.tar.gz"
    rebuild(archive, headless, {}, drop=("manifest.json",))
    with pytest.raises(ArchiveError, match=r"does not start with manifest\.json"):
        verify(headless)


def test_an_unknown_field_is_refused(archive, tmp_path):
    manifest = _manifest(archive)
    entry = next(e for e in manifest["entities"] if e["entity"] == "tickets.ticket")
    entry["fields"].append({"name": "mood", "type": "CharField"})
    odd = tmp_path / "odd.tar.gz"
    rebuild(archive, odd, {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(ArchiveError, match=r"tickets\.ticket has fields this Upstream does not know: mood"):
        verify(odd)


def test_import_into_a_non_empty_instance_is_refused_and_changes_nothing(archive):
    before = Organisation.objects.count()
    with pytest.raises(ArchiveError, match=r"not empty \(1 customers.organisation\)"):
        import_archive(archive)
    assert Organisation.objects.count() == before


def test_the_command_exits_non_zero_with_the_message(archive, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(CommandError, match="import refused: the archive is truncated or corrupt"):
        call_command("import", str(cut), "--no-progress")
    with pytest.raises(CommandError, match="no archive at"):
        call_command("import", str(tmp_path / "absent.tar"), "--no-progress")
    assert not Ticket.objects.exists()
