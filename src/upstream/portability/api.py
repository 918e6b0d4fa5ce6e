"""Exports over the REST API (mounted at /api/export/): request an archive, follow it, download it.

The same rules as the web page (`portability.services`): an organisation's admin contact exports their
organisation, an admin any organisation or the whole instance (organisation null); a job you may not see is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from upstream.accounts.api import actor
from upstream.core.api import Id, StrictInput
from upstream.core.errors import NotFound
from upstream.customers.models import Organisation
from upstream.portability import queries, services
from upstream.portability.models import ExportJob
from upstream.portability.settings import export_root

router = Router()


class ExportIn(StrictInput):
    organisation: Id | None = Field(default=None, description="the organisation to export; null: the whole instance")


class ExportOut(Schema):
    id: int
    organisation_id: int | None
    status: str = Field(description="queued, running, ready, failed or expired")
    rows: int | None
    size: int | None = Field(description="bytes of the archive once ready")
    error: str
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    download_url: str | None = Field(description="while ready and not expired")


def export_out(job: ExportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "organisation_id": job.organisation_id,
        "status": job.status,
        "rows": job.rows,
        "size": job.size,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "download_url": f"/api/export/jobs/{job.pk}/archive" if services.downloadable(job) else None,
    }


@router.get("/jobs", response=list[ExportOut], summary="Recent exports you may see")
def list_jobs(request: HttpRequest) -> list[dict[str, Any]]:
    user = actor(request)
    return [export_out(job) for job in queries.visible_jobs(user)[: queries.RECENT_JOBS]]


@router.post("/jobs", response={202: ExportOut}, summary="Request an archive of an organisation or the instance")
def request_job(request: HttpRequest, payload: ExportIn) -> Status[dict[str, Any]]:
    user = actor(request)
    organisation = None
    if payload.organisation is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation).first()
        if organisation is None:
            raise NotFound("no such organisation")
    job = services.request_export(by=user, organisation=organisation)
    job.refresh_from_db()  # the task may already have run (immediate backend)
    return Status(202, export_out(job))


@router.get("/jobs/{job_id}", response=ExportOut, summary="One export")
def get_job(request: HttpRequest, job_id: Id) -> dict[str, Any]:
    return export_out(services.access_job(actor(request), job_id))


@router.get("/jobs/{job_id}/archive", summary="Download a ready archive (tar.gz)")
def download_job(request: HttpRequest, job_id: Id) -> FileResponse:
    user = actor(request)
    job = services.access_job(user, job_id)
    path = export_root() / job.file_name
    if not services.downloadable(job) or not job.file_name or not path.is_file():
        raise NotFound("this export is not available (it expired or is not ready)")
    services.record_download(by=user, job=job)
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name, content_type="application/gzip")
