from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

DELIVER_OUTBOX = "upstream.notifications.tasks.deliver_outbox"


class NotificationsConfig(AppConfig):
    name = "upstream.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Retries and anything whose on-commit enqueue was lost: the outbox is swept every minute.
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob

        if not any(job.task == DELIVER_OUTBOX for job in PERIODIC_JOBS):
            PERIODIC_JOBS.append(PeriodicJob(DELIVER_OUTBOX, timedelta(minutes=1)))
