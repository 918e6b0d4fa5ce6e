from datetime import timedelta

from django.apps import AppConfig

CHECK_DEADLINES = "upstream.sla.tasks.check_deadlines"


class SlaConfig(AppConfig):
    name = "upstream.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        # core declares the periodic job list; each app adds its own jobs (core must not import sla).
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob

        if not any(job.task == CHECK_DEADLINES for job in PERIODIC_JOBS):
            PERIODIC_JOBS.append(PeriodicJob(CHECK_DEADLINES, timedelta(minutes=1)))
