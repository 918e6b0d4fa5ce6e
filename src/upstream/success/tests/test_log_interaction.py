"""The quick "log a call" form and its siblings: saved with a follow-up task, or form errors and nothing saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from upstream.core import clock
from upstream.core.testing import PASSWORD, make_contact, make_org
from upstream.success.models import HealthSnapshot, Interaction, SuccessTask, TaskSource
from upstream.success.tests.world import make_world, today

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_a_call_with_a_follow_up_creates_a_task_due_that_day(django_capture_on_commit_callbacks):
    world = make_world()
    url = reverse("success:log_interaction", args=[world.org.id])
    follow_up = today() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.agent).post(
            url,
            {
                "kind": "call",
                "contact": world.contact.id,
                "happened_at": local(clock.now() - timedelta(hours=1)),
                "duration_minutes": "25",
                "summary": "Asked about the 3.0 upgrade\nWants a quote",
                "follow_up_on": follow_up.isoformat(),
            },
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    assert b"Asked about the 3.0 upgrade" in response.content  # the refreshed timeline, swapped in out of band
    assert b'id="health" hx-swap-oob="true"' in response.content
    call = Interaction.objects.get()
    assert (call.kind, call.author, call.contact, call.duration_minutes) == ("call", world.agent, world.contact, 25)
    task = SuccessTask.objects.get()
    assert task.playbook == TaskSource.FOLLOW_UP and task.assignee == world.agent and task.due_on == follow_up
    assert world.contact.name in task.title and "Asked about the 3.0 upgrade" in task.title
    # The health snapshot of today follows at once (last interaction: today).
    assert HealthSnapshot.objects.filter(organisation=world.org, computed_on=today()).exists()


def test_a_note_needs_only_a_summary():
    world = make_world()
    response = login(world.manager).post(
        reverse("success:log_interaction", args=[world.org.id]), {"kind": "note", "summary": "Budget freeze in Q3"}
    )
    assert response.status_code == 302
    note = Interaction.objects.get()
    assert note.kind == "note" and note.duration_minutes is None and note.author == world.manager


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"duration_minutes": "0"}, "duration_minutes"),
        ({"duration_minutes": "99999"}, "duration_minutes"),
        ({"duration_minutes": "ten"}, "duration_minutes"),
        ({"happened_at": "yesterday"}, "happened_at"),
        ({"happened_at": "FUTURE"}, "happened_at"),
        ({"follow_up_on": "2001-01-01"}, "follow_up_on"),
        ({"follow_up_on": "31/02/2030"}, "follow_up_on"),
        ({"contact": "OTHER"}, "contact"),
        ({"contact": "abc"}, "contact"),
        ({"summary": "a\x00b"}, "summary"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_saved(changes, field):
    world = make_world()
    other = make_contact(make_org())
    data = {
        "kind": "call",
        "contact": world.contact.id,
        "happened_at": local(clock.now()),
        "duration_minutes": "5",
        "summary": "Fine",
        "follow_up_on": "",
    }
    data.update(changes)
    if data["happened_at"] == "FUTURE":
        data["happened_at"] = local(clock.now() + timedelta(days=2))
    if data["contact"] == "OTHER":
        data["contact"] = other.id
    client = login(world.agent)
    url = reverse("success:log_interaction", args=[world.org.id])
    page = client.post(url, data)
    assert page.status_code == 422
    assert field in page.context["forms"]["call"].errors
    fragment = client.post(url, data, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and b'class="error"' in fragment.content and b"<html" not in fragment.content
    assert not Interaction.objects.exists() and not SuccessTask.objects.exists()


def test_customers_cannot_log_interactions():
    world = make_world()
    response = login(world.contact.user).post(
        reverse("success:log_interaction", args=[world.org.id]), {"kind": "note", "summary": "x"}
    )
    assert response.status_code == 403
    assert not Interaction.objects.exists()
