"""Background work: build a requested archive; delete expired ones."""

from __future__ import annotations

from django_tasks import task

from upstream.portability import services


@task()
def build_export(job_id: int) -> str:
    return str(services.build(job_id).status)


@task()
def expire_exports() -> int:
    """Enqueued hourly by `upstream clock` (registered in `PortabilityConfig.ready`)."""
    return services.expire_exports()
