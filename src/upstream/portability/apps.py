from datetime import timedelta

from django.apps import AppConfig

EXPIRE_EXPORTS = "upstream.portability.tasks.expire_exports"


class PortabilityConfig(AppConfig):
    name = "upstream.portability"
    verbose_name = "Export and import"

    def ready(self) -> None:
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob

        if not any(job.task == EXPIRE_EXPORTS for job in PERIODIC_JOBS):
            PERIODIC_JOBS.append(PeriodicJob(EXPIRE_EXPORTS, timedelta(hours=1)))
