"""The task backends Upstream supports really run tasks: the database queue with its worker, and RQ on the
machine's Redis with an RQ worker (the scale-out path). django-tasks rebuilds its backends when TASKS changes."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django_tasks import TaskResultStatus

from upstream.core.tasks import HEARTBEAT_KEY, heartbeat

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.django_db(transaction=True)
def test_database_backend_runs_a_task_through_the_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = heartbeat.enqueue("db-test")
    assert result.status == TaskResultStatus.READY
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value.startswith("db-test@")


@pytest.fixture
def admin_without_rq():
    """Installing django_rq for one test registers its models in the admin site, which outlives the test (the app
    does not): unregister them again, or a later admin page in the same worker fails looking the app up."""
    from django.contrib import admin

    before = set(admin.site._registry)
    yield
    for model in set(admin.site._registry) - before:
        admin.site.unregister(model)


def test_rq_backend_runs_a_task_on_redis(settings, admin_without_rq):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq"]
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default", job_class=Job)
    queue.empty()
    result = heartbeat.enqueue("rq-test")
    assert queue.count == 1
    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert cache.get(HEARTBEAT_KEY).startswith("rq-test@")
    queue.empty()
