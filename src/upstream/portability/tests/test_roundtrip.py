"""Export → empty instance → import → export again gives the same archive, byte for byte per data member.

"Empty instance" here is the test database flushed (every table truncated, sequences restarted, as a freshly
migrated database has them); the seed rows a fresh database holds are put back first, so the import proves it
replaces them. Real transactions (transaction=True), because foreign keys are only checked when the import commits.
The documented differences: manifest.json (creation time) and accounts.auditevent (the import's own entry, and the
archive's entries appended with new ids).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from upstream.accounts.models import AuditEvent
from upstream.channels.email.models import InboundEmail
from upstream.core.testing import make_ticket
from upstream.customers.models import Contact
from upstream.portability import importer
from upstream.portability.importer import import_archive
from upstream.portability.tests.archive_tools import manifest, members, rows
from upstream.portability.tests.world import build_world
from upstream.portability.writer import write_archive
from upstream.surveys.models import ReturnVisitQuestion
from upstream.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

DIFFERENT_BY_DESIGN = {"manifest.json", "data/accounts.auditevent.jsonl"}


def _empty_instance() -> None:
    call_command("flush", interactive=False, verbosity=0)
    ReturnVisitQuestion.objects.create(dimension="service", text_en="seed", text_zh_hans="种子", position=1)


def _compare(first: Path, second: Path) -> None:
    a, b = members(first), members(second)
    assert set(a) == set(b)
    different = sorted(name for name in a if a[name] != b[name])
    assert set(different) <= DIFFERENT_BY_DESIGN, different


def test_instance_round_trip_is_identical(tmp_path):
    world = build_world()
    first = tmp_path / "first.tar.gz"
    result = write_archive(first)
    assert result.files >= 3  # two attachments and the raw email
    counts = {e["entity"]: e["rows"] for e in manifest(first)["entities"]}
    for entity in ("tickets.ticket", "tickets.message", "tickets.attachment", "tickets.activity", "sla.slaevent",
                   "customers.contract", "hours.timeentry", "surveys.csatsurvey", "kb.articlefeedback",
                   "email_channel.inboundemail", "success.interaction", "notifications.notification"):  # fmt: skip
        assert counts[entity] > 0, entity
    raw_name = InboundEmail.objects.get().raw.name

    _empty_instance()
    assert not Ticket.objects.exists()
    call_command("import", str(first), "--no-progress")  # the command's success path
    assert Ticket.objects.count() == counts["tickets.ticket"]

    second = tmp_path / "second.tar.gz"
    write_archive(second)
    _compare(first, second)
    # The import's own audit entry follows the archive's.
    assert AuditEvent.objects.filter(action="instance.imported").count() == 1
    # Stored files are back, byte for byte.
    with InboundEmail.objects.get().raw.open("rb") as raw:
        assert raw.read() == members(first)[f"files/{raw_name}"]
    attachment = Attachment.objects.get(filename="server.log")
    with attachment.file.open("rb") as stored:
        assert stored.read() == b"\x00\x01log"
    # Sequences were reset: new rows get fresh ids, and ticket numbers continue after the imported ones.
    alice = Contact.objects.get(pk=world.orgs.alice.pk)
    new = make_ticket(alice, subject="after import")
    assert new.pk > max(Ticket.objects.exclude(pk=new.pk).values_list("pk", flat=True))
    assert new.number > max(Ticket.objects.exclude(pk=new.pk).values_list("number", flat=True))


@pytest.mark.parametrize("copy", [True, False], ids=["copy", "insert"])
def test_an_organisation_archive_imports_into_an_empty_instance(tmp_path, monkeypatch, copy):
    monkeypatch.setattr(importer, "USE_COPY", copy)  # PostgreSQL's COPY, and the INSERT path SQLite takes
    world = build_world()
    first = tmp_path / "org.tar"
    write_archive(first, organisation_id=world.orgs.org_a.pk)
    subjects = {row["subject"] for row in rows(first, "tickets.ticket")}

    _empty_instance()
    import_archive(first)  # every reference resolves: foreign keys are checked at commit
    assert set(Ticket.objects.values_list("subject", flat=True)) == subjects
    second = tmp_path / "org-again.tar"
    write_archive(second, organisation_id=world.orgs.org_a.pk)
    _compare(first, second)
