"""Export jobs requested from the web: who may export what, building the archive, downloads, expiry; all audited."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from upstream.accounts import audit
from upstream.accounts.models import User
from upstream.core import clock
from upstream.core.errors import Conflict, NotFound
from upstream.customers.models import Membership, Organisation
from upstream.portability.models import ExportJob, ExportStatus
from upstream.portability.settings import export_root, link_lifetime
from upstream.portability.writer import ExportResult, write_archive


def administered_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose data this user may export: all for an admin, those they are the admin contact of else."""
    if user.is_admin:
        return Organisation.objects.all()
    if not user.is_active:
        return Organisation.objects.none()
    admin_of = Membership.objects.filter(contact__user=user, is_admin=True).values("organisation")
    return Organisation.objects.filter(pk__in=admin_of)


def access_job(user: User, job_id: int) -> ExportJob:
    """A job its requester's peers may see: admins see all; an organisation's admin sees that organisation's jobs."""
    job = ExportJob.objects.select_related("organisation", "requested_by").filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("No such export."))
    if user.is_admin:
        return job
    if job.organisation_id is None or not administered_organisations(user).filter(pk=job.organisation_id).exists():
        raise NotFound(_("No such export."))
    return job


def _describe(organisation: Organisation | None) -> str:
    return f"organisation {organisation.name} (#{organisation.pk})" if organisation else "the whole instance"


@transaction.atomic
def request_export(*, by: User, organisation: Organisation | None) -> ExportJob:
    """Queues an archive of one organisation (its admins, or an admin) or of the whole instance (admins only)."""
    if organisation is None and not by.is_admin:
        raise NotFound(_("Only administrators export the whole instance."))
    if organisation is not None and not administered_organisations(by).filter(pk=organisation.pk).exists():
        raise NotFound(_("No such organisation."))
    busy = ExportJob.objects.filter(
        organisation=organisation, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).exists()
    if busy:
        raise Conflict(_("An export of this scope is already being built; wait for it to finish."))
    job = ExportJob.objects.create(requested_by=by, organisation=organisation)
    audit.record(by, "export.requested", job, f"Export of {_describe(organisation)} requested")
    from upstream.portability.tasks import build_export

    transaction.on_commit(lambda: build_export.enqueue(job.pk))
    return job


def build(job_id: int) -> ExportJob:
    """Builds the archive of a queued job (run by the task). A failure is recorded on the job, never half-ready."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(status=ExportStatus.RUNNING)
    job = ExportJob.objects.select_related("organisation").get(pk=job_id)
    if not claimed:
        return job
    root = export_root()
    root.mkdir(parents=True, exist_ok=True)
    scope = f"org{job.organisation_id}" if job.organisation_id else "instance"
    name = f"upstream-{scope}-{job.pk}-{secrets.token_hex(8)}.tar.gz"
    try:
        result = write_archive(root / name, organisation_id=job.organisation_id)
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=clock.now()
        )
        job.refresh_from_db()
        return job
    now = clock.now()
    job.status, job.file_name, job.size, job.rows = ExportStatus.READY, name, result.archive_bytes, result.rows
    job.finished_at, job.expires_at = now, now + link_lifetime()
    job.save(update_fields=["status", "file_name", "size", "rows", "finished_at", "expires_at"])
    return job


@transaction.atomic
def record_download(*, by: User, job: ExportJob) -> None:
    ExportJob.objects.filter(pk=job.pk).update(downloads=job.downloads + 1)
    audit.record(by, "export.downloaded", job, f"Export of {_describe(job.organisation)} downloaded")


def downloadable(job: ExportJob) -> bool:
    return job.status == ExportStatus.READY and job.expires_at is not None and job.expires_at > clock.now()


def expire_exports() -> int:
    """Deletes archives past their expiry (periodic job); the job rows stay, marked expired, as the audit trail."""
    now = clock.now()
    expired = 0
    for job in ExportJob.objects.filter(status=ExportStatus.READY, expires_at__lte=now):
        (export_root() / job.file_name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.EXPIRED)
        expired += 1
    return expired


def record_cli_export(result: ExportResult) -> None:
    """`upstream export` is run by whoever holds the server; the audit log says what was written, by no user."""
    audit.record(
        None,
        "export.written",
        ("portability.archive", result.path.name),
        f"Command-line export of {result.scope.get('organisation_name') or 'the whole instance'} to {result.path.name}",
        scope=result.scope,
        rows=result.rows,
        files=result.files,
    )
