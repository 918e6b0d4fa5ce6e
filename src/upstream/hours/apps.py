from datetime import timedelta

from django.apps import AppConfig

ISSUE_STATEMENTS = "upstream.hours.tasks.issue_monthly_statements"


class HoursConfig(AppConfig):
    name = "upstream.hours"
    label = "hours"
    verbose_name = "Consulting hours"

    def ready(self) -> None:
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob

        # Hourly rather than daily: statements go out early on the 1st, and the job is idempotent per contract+month.
        if not any(job.task == ISSUE_STATEMENTS for job in PERIODIC_JOBS):
            PERIODIC_JOBS.append(PeriodicJob(ISSUE_STATEMENTS, timedelta(hours=1)))
