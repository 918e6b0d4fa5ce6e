"""Reads for the export pages: the jobs a user may see, the audit log for admins."""

from __future__ import annotations

from django.db.models import QuerySet

from upstream.accounts.models import AuditEvent, User
from upstream.portability.models import ExportJob
from upstream.portability.services import administered_organisations

RECENT_JOBS = 50
AUDIT_PAGE = 100


def visible_jobs(user: User) -> QuerySet[ExportJob]:
    """Admins see every export; an organisation's admin sees the exports of the organisations they administer."""
    jobs = ExportJob.objects.select_related("organisation", "requested_by")
    if user.is_admin:
        return jobs
    return jobs.filter(organisation__in=administered_organisations(user))


def audit_page(*, action: str = "", before_id: int | None = None) -> list[AuditEvent]:
    """One page of the audit log, newest first (keyset by id, so page 100 costs what page 1 does)."""
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if action:
        events = events.filter(action=action)
    if before_id is not None:
        events = events.filter(id__lt=before_id)
    return list(events[:AUDIT_PAGE])


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
