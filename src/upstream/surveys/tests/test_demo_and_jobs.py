"""The demo loader fills every survey page, once; the daily jobs and the ticket subscriber are registered."""

from __future__ import annotations

import pytest
from django.utils import timezone

from upstream import events
from upstream.core.periodic import PERIODIC_JOBS
from upstream.surveys.apps import DAILY_JOBS, ON_TICKET_UPDATED
from upstream.surveys.demo import load_surveys_demo
from upstream.surveys.models import CsatSurvey, NpsSurvey, ReturnVisit
from upstream.surveys.tasks import schedule_return_visits, send_due_nps
from upstream.surveys.tests.survey_world import make_world, resolved_ticket

pytestmark = pytest.mark.django_db


def test_the_demo_answers_surveys_once(django_capture_on_commit_callbacks):
    world = make_world()
    for index in range(6):
        resolved_ticket(world, django_capture_on_commit_callbacks, subject=f"Demo {index}")
    written = load_surveys_demo(now=timezone.now())
    assert written > 0
    assert CsatSurvey.objects.filter(answered_at__isnull=False).exists()
    assert NpsSurvey.objects.filter(contact=world.customer).count() == 3
    assert ReturnVisit.objects.filter(completed_at__isnull=False).exists()
    assert load_surveys_demo(now=timezone.now()) == 0


def test_daily_jobs_and_the_ticket_subscriber_are_registered():
    registered = {job.task: job.every.days for job in PERIODIC_JOBS}
    assert all(registered.get(path) == 1 for path in DAILY_JOBS)
    assert ON_TICKET_UPDATED in events.SUBSCRIBERS["ticket.updated"]


def test_the_daily_tasks_run():
    world = make_world()
    send_due_nps.enqueue()
    schedule_return_visits.enqueue()
    assert NpsSurvey.objects.filter(contact=world.customer).exists()
