from datetime import timedelta
from importlib import import_module
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

SEED_MIGRATION = "upstream.success.migrations.0002_default_playbooks"


def restore_defaults(sender: AppConfig, apps: Any = None, using: str = "default", **kwargs: Any) -> None:
    """Put the default playbooks back when their table is empty, as contenttypes does for its rows.

    A data migration seeds them once; a `flush` (a transactional test's teardown, or an operator starting over)
    empties every table and then sends post_migrate, so without this the defaults would be gone for good."""
    if apps is None:
        return
    try:
        model = apps.get_model("success", "Playbook")
    except LookupError:  # migrated backwards past the table
        return
    if not model.objects.using(using).exists():
        import_module(SEED_MIGRATION).seed(apps, None)


DAILY_RUN = "upstream.success.tasks.run_playbooks"
REMINDERS = "upstream.success.tasks.send_task_reminders"


class SuccessConfig(AppConfig):
    name = "upstream.success"
    verbose_name = "Customer success"

    def ready(self) -> None:
        post_migrate.connect(restore_defaults, sender=self, dispatch_uid=SEED_MIGRATION)
        # core declares the periodic job list; each app adds its own jobs (core must not import success).
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob

        for path, every in ((DAILY_RUN, timedelta(days=1)), (REMINDERS, timedelta(hours=1))):
            if not any(job.task == path for job in PERIODIC_JOBS):
                PERIODIC_JOBS.append(PeriodicJob(path, every))
