"""The export API follows the web page's rules."""

from __future__ import annotations

import pytest

from upstream.core.testing import api_client, make_admin, make_two_organisations
from upstream.portability.models import ExportJob

pytestmark = pytest.mark.django_db


def test_an_organisation_admin_requests_and_downloads(django_capture_on_commit_callbacks):
    world = make_two_organisations()
    client = api_client(world.a_admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/export/jobs", {"organisation": world.org_a.pk}, content_type="application/json")
    assert response.status_code == 202
    job_id = response.json()["id"]
    job = client.get(f"/api/export/jobs/{job_id}").json()
    assert job["status"] == "ready" and job["download_url"] == f"/api/export/jobs/{job_id}/archive"
    archive = client.get(job["download_url"])
    assert archive.status_code == 200 and archive["Content-Type"] == "application/gzip"
    assert [j["id"] for j in client.get("/api/export/jobs").json()] == [job_id]


def test_others_get_404_and_bad_input_422(django_capture_on_commit_callbacks):
    world = make_two_organisations()
    admin = api_client(make_admin())
    with django_capture_on_commit_callbacks(execute=True):
        whole = admin.post("/api/export/jobs", {"organisation": None}, content_type="application/json")
    assert whole.status_code == 202 and whole.json()["organisation_id"] is None
    job_id = whole.json()["id"]
    outsider = api_client(world.a_admin.user)
    assert outsider.get(f"/api/export/jobs/{job_id}").status_code == 404
    assert outsider.get(f"/api/export/jobs/{job_id}/archive").status_code == 404
    assert (
        outsider.post("/api/export/jobs", {"organisation": world.org_b.pk}, content_type="application/json").status_code
        == 404
    )
    assert outsider.post("/api/export/jobs", {}, content_type="application/json").status_code == 404  # whole instance
    assert outsider.post("/api/export/jobs", {"organisation": 0}, content_type="application/json").status_code == 422
    assert outsider.post("/api/export/jobs", {"org": 1}, content_type="application/json").status_code == 422
    assert ExportJob.objects.count() == 1
