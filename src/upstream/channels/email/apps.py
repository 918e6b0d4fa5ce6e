from datetime import timedelta

from django.apps import AppConfig

FETCH_MAILBOXES = "upstream.channels.email.tasks.fetch_mailboxes"


class EmailChannelConfig(AppConfig):
    name = "upstream.channels.email"
    label = "email_channel"
    verbose_name = "Email channel"

    def ready(self) -> None:
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob

        if not any(job.task == FETCH_MAILBOXES for job in PERIODIC_JOBS):
            PERIODIC_JOBS.append(PeriodicJob(FETCH_MAILBOXES, timedelta(minutes=1)))
