from datetime import timedelta
from importlib import import_module
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

SEED_MIGRATION = "upstream.surveys.migrations.0002_default_questions"


def restore_defaults(sender: AppConfig, apps: Any = None, using: str = "default", **kwargs: Any) -> None:
    """Put the default return-visit questions back when their table is empty, as contenttypes does for its rows.

    A data migration seeds them once; a `flush` (a transactional test's teardown, or an operator starting over)
    empties every table and then sends post_migrate, so without this the defaults would be gone for good."""
    if apps is None:
        return
    try:
        model = apps.get_model("surveys", "ReturnVisitQuestion")
    except LookupError:  # migrated backwards past the table
        return
    if not model.objects.using(using).exists():
        import_module(SEED_MIGRATION).seed(apps, None)


ON_TICKET_UPDATED = "upstream.surveys.handlers.on_ticket_updated"
DAILY_JOBS = ("upstream.surveys.tasks.send_due_nps", "upstream.surveys.tasks.schedule_return_visits")


class SurveysConfig(AppConfig):
    name = "upstream.surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        post_migrate.connect(restore_defaults, sender=self, dispatch_uid=SEED_MIGRATION)
        # Upstream modules own these registries; surveys adds itself (no import runs back up).
        from upstream import events
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob

        handlers = events.SUBSCRIBERS.setdefault("ticket.updated", [])
        if ON_TICKET_UPDATED not in handlers:
            handlers.append(ON_TICKET_UPDATED)
        for path in DAILY_JOBS:
            if not any(job.task == path for job in PERIODIC_JOBS):
                PERIODIC_JOBS.append(PeriodicJob(path, timedelta(days=1)))
