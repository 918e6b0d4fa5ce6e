"""An organisation's archive holds its own data and what that data refers to, and nothing of other customers."""

from __future__ import annotations

import pytest

from upstream.portability.tests.archive_tools import manifest, members, rows
from upstream.portability.tests.world import build_world
from upstream.portability.writer import write_archive
from upstream.tickets.models import Attachment

pytestmark = pytest.mark.django_db


def test_an_organisation_archive_holds_only_its_data(tmp_path):
    world = build_world()
    org_a = world.orgs.org_a
    path = tmp_path / "a.tar.gz"
    write_archive(path, organisation_id=org_a.pk)

    assert manifest(path)["scope"] == {"kind": "organisation", "organisation": org_a.pk, "organisation_name": "Org A"}
    assert [row["id"] for row in rows(path, "customers.organisation")] == [org_a.pk]
    tickets = rows(path, "tickets.ticket")
    assert {t["subject"] for t in tickets} == {"Alpha cluster down", "Alpha colleague question"}
    assert all(t["organisation"] == org_a.pk for t in tickets)
    ticket_ids = {t["id"] for t in tickets}
    for entity in (
        "tickets.activity",
        "sla.slaevent",
        "hours.timeentry",
        "surveys.csatsurvey",
        "notifications.notification",
    ):
        assert rows(path, entity), entity
        assert {row["ticket"] for row in rows(path, entity)} <= ticket_ids, entity
    for entity in ("surveys.npssurvey", "success.interaction", "success.healthsnapshot", "customers.contract"):
        assert {row["organisation"] for row in rows(path, entity)} == {org_a.pk}, entity
    assert rows(path, "success.successtask") == []  # the only task is B's

    contacts = {row["email"] for row in rows(path, "customers.contact")}
    assert world.orgs.alice.email in contacts and world.orgs.bob.email not in contacts
    users = {row["username"] for row in rows(path, "accounts.user")}
    assert {world.agent.username, world.orgs.alice.user.username} <= users
    assert world.orgs.bob.user.username not in users
    assert {row["password"] for row in rows(path, "accounts.user")} == {"!"}  # no hashes leave in a customer's archive

    articles = rows(path, "kb.article")
    assert [a["title"] for a in articles] == ["Restoring a backup"]  # referenced by Alice's feedback
    assert articles[0]["source_ticket"] is None  # B's ticket is not in this archive
    assert articles[0]["related"] == []  # the internal runbook is not referenced by A's data
    assert len(rows(path, "kb.articlefeedback")) == 1

    names = set(members(path))
    assert f"files/{world.orgs.attachment_b.file.name}" not in names
    assert f"files/{Attachment.objects.get(filename='server.log').file.name}" in names
    for instance_only in ("accounts.apitoken", "accounts.auditevent", "email_channel.mailbox"):
        assert f"data/{instance_only}.jsonl" not in names
    assert not any("acme" in row["email"] for row in rows(path, "customers.contact"))  # the mail world's org


def test_the_instance_archive_holds_everything(tmp_path):
    world = build_world()
    path = tmp_path / "all.tar"
    result = write_archive(path)
    assert all(row["password"].startswith("md5$") for row in rows(path, "accounts.user"))
    assert {row["name"] for row in rows(path, "customers.organisation")} == {"Org A", "Org B", "Acme Cloud"}
    article = next(a for a in rows(path, "kb.article") if a["title"] == "Restoring a backup")
    assert article["source_ticket"] == world.orgs.ticket_b.pk
    assert article["related"] == [world.internal_article.pk]
    assert rows(path, "email_channel.mailbox")[0]["address"] == "support@vendor.test"
    entry = next(e for e in manifest(path)["entities"] if e["entity"] == "customers.contract")
    assert {"name": "consulting_hours", "type": "DecimalField"} in entry["fields"]
    assert "12.50" in {row["consulting_hours"] for row in rows(path, "customers.contract")}
    assert result.rows == sum(e["rows"] for e in manifest(path)["entities"])
