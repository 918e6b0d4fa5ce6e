"""The wiring: ticket events reach the SLA handler, the deadline scan is a periodic job, a configuration edit
enqueues the recompute of open tickets."""

import pytest
from django.db import transaction

from upstream import events
from upstream.core.periodic import PERIODIC_JOBS
from upstream.sla import handlers, tasks
from upstream.sla.apps import CHECK_DEADLINES
from upstream.sla.models import TicketSla


@pytest.mark.smoke
def test_every_ticket_event_recomputes_the_sla():
    for name in ("ticket.created", "ticket.updated", "ticket.message_added"):
        assert handlers.on_ticket_event in events.handlers_for(name)


@pytest.mark.smoke
def test_the_deadline_scan_runs_every_minute():
    job = next(job for job in PERIODIC_JOBS if job.task == CHECK_DEADLINES)
    assert job.every.total_seconds() == 60
    assert [j.task for j in PERIODIC_JOBS].count(CHECK_DEADLINES) == 1
    assert tasks.check_deadlines.name == "check_deadlines"


@pytest.mark.django_db
def test_the_handler_recomputes_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = world.ticket()
    assert not TicketSla.objects.filter(ticket=ticket).exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    assert TicketSla.objects.filter(ticket=ticket).exists()


@pytest.mark.django_db
def test_a_policy_edit_enqueues_the_recompute(world, settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from upstream.sla import services

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    before = DBTaskResult.objects.filter(task_path="upstream.sla.tasks.recompute_open_tickets").count()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.save_policy(
            by=None, plan=world.policy.plan, priority=3, first_response_minutes=90, next_response_minutes=None,
            resolution_minutes=None,
        )  # fmt: skip
    after = DBTaskResult.objects.filter(task_path="upstream.sla.tasks.recompute_open_tickets").count()
    assert after == before + 1
