"""The export page: an organisation's admin exports their organisation, admins any organisation or the whole
instance; downloads only for those allowed, until the link expires; everything in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from upstream.accounts.models import AuditEvent
from upstream.core.testing import make_admin, make_agent, make_two_organisations
from upstream.portability.models import ExportJob, ExportStatus
from upstream.portability.services import expire_exports
from upstream.portability.settings import export_root
from upstream.portability.tests.archive_tools import rows

pytestmark = pytest.mark.django_db

URL = reverse("portability:exports")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _request(client: Client, scope: object, django_capture_on_commit_callbacks) -> object:
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, {"scope": str(scope)})


def test_an_organisation_admin_exports_their_organisation(django_capture_on_commit_callbacks):
    world = make_two_organisations()
    client = _client(world.a_admin.user)
    page = client.get(URL)
    assert page.status_code == 200
    assert b"Org A" in page.content and b"Org B" not in page.content and b"whole instance" not in page.content

    response = _request(client, world.org_a.pk, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.READY and job.organisation == world.org_a and job.rows
    assert job.expires_at > job.finished_at
    download = client.get(reverse("portability:download", args=[job.pk]))
    assert download.status_code == 200
    archive = export_root() / "copy.tar.gz"
    archive.write_bytes(b"".join(download.streaming_content))
    assert {t["organisation"] for t in rows(archive, "tickets.ticket")} == {world.org_a.pk}
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor"))
    assert actions == [("export.requested", world.a_admin.user.pk), ("export.downloaded", world.a_admin.user.pk)]


def test_no_one_else_sees_or_downloads_it(django_capture_on_commit_callbacks):
    world = make_two_organisations()
    _request(_client(world.a_admin.user), world.org_a.pk, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    link = reverse("portability:download", args=[job.pk])
    for outsider in (world.alice.user, world.bob.user, make_agent(world.platform)):
        assert _client(outsider).get(link).status_code == 404
    assert _client(world.alice.user).get(URL).status_code == 404  # a member who is not the admin
    # Org A's admin cannot ask for org B's data, nor for the whole instance.
    client = _client(world.a_admin.user)
    assert _request(client, world.org_b.pk, django_capture_on_commit_callbacks).status_code == 404
    assert _request(client, "instance", django_capture_on_commit_callbacks).status_code == 404
    assert ExportJob.objects.count() == 1


def test_an_admin_exports_the_whole_instance(django_capture_on_commit_callbacks, django_assert_max_num_queries):
    world = make_two_organisations()
    admin = make_admin()
    client = _client(admin)
    assert _request(client, "instance", django_capture_on_commit_callbacks).status_code == 302
    _request(client, world.org_b.pk, django_capture_on_commit_callbacks)
    assert ExportJob.objects.filter(status=ExportStatus.READY).count() == 2
    assert ExportJob.objects.filter(organisation__isnull=True).exists()
    with django_assert_max_num_queries(12):
        page = client.get(URL)
    assert page.content.count(b"/download/") == 2
    audit = client.get(reverse("portability:audit"))
    assert audit.status_code == 200 and b"export.requested" in audit.content
    assert _client(world.a_admin.user).get(reverse("portability:audit")).status_code == 404


def test_a_second_request_while_one_is_building_is_refused():
    world = make_two_organisations()
    ExportJob.objects.create(organisation=world.org_a, status=ExportStatus.RUNNING)
    response = _client(world.a_admin.user).post(URL, {"scope": world.org_a.pk})
    assert response.status_code == 409
    assert b"already being built" in response.content


def test_an_expired_archive_is_deleted_and_no_longer_downloads(django_capture_on_commit_callbacks):
    world = make_two_organisations()
    client = _client(world.a_admin.user)
    _request(client, world.org_a.pk, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    path = export_root() / job.file_name
    assert path.exists()
    ExportJob.objects.filter(pk=job.pk).update(expires_at=job.finished_at - dt.timedelta(seconds=1))
    assert expire_exports() == 1
    assert not path.exists()
    assert client.get(reverse("portability:download", args=[job.pk])).status_code == 404
    assert ExportJob.objects.get().status == ExportStatus.EXPIRED


def test_a_bad_scope_is_a_form_error():
    world = make_two_organisations()
    response = _client(make_admin()).post(URL, {"scope": "nonsense"})
    assert response.status_code == 422
    assert not ExportJob.objects.exists()
    assert world.org_a.pk
