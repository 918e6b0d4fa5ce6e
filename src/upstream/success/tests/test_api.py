"""The success API: health with factors, timeline, logging an interaction, tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from upstream.core import clock
from upstream.core.testing import api_client
from upstream.success import services
from upstream.success.models import Interaction, SuccessTask, TaskSource
from upstream.success.tests.world import make_world, today

pytestmark = pytest.mark.django_db


def test_health_with_factors():
    world = make_world()
    services.compute_health(clock.now())
    body = api_client(world.agent).get(f"/api/success/organisations/{world.org.id}/health").json()
    assert 0 <= body["score"] <= 100 and body["renormalised"] is True
    assert {f["factor"] for f in body["factors"]} >= {"ticket_trend", "csat", "hours_used"}
    assert len(body["history"]) == 1


def test_log_an_interaction_and_read_it_on_the_timeline():
    world = make_world()
    client = api_client(world.manager)
    url = f"/api/success/organisations/{world.org.id}/interactions"
    response = client.post(
        url,
        {
            "kind": "call",
            "summary": "Renewal chat",
            "contact": world.contact.id,
            "duration_minutes": 15,
            "follow_up_on": (today() + timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "call" and Interaction.objects.count() == 1
    assert SuccessTask.objects.get().playbook == TaskSource.FOLLOW_UP
    timeline = client.get(f"/api/success/organisations/{world.org.id}/timeline", {"kind": "call"}).json()
    assert [i["text"] for i in timeline["items"]] == ["Renewal chat"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "sms", "summary": "x"}, "kind"),
        ({"kind": "call", "summary": ""}, "summary"),
        ({"kind": "call", "summary": "x", "duration_minutes": 0}, "duration_minutes"),
        ({"kind": "call", "summary": "x", "contact": 999999}, "contact"),
        ({"kind": "call", "summary": "x", "follow_up_on": "2000-01-01"}, "follow_up_on"),
        ({"kind": "call", "summary": "x", "happened_at": "2999-01-01T00:00:00+00:00"}, "happened_at"),
        ({"kind": "call", "summary": "x", "happened_at": "2024-01-01T00:00:00"}, "happened_at"),
        ({"kind": "call", "summary": "x", "happened_at": "0001-01-01T00:00:00+08:00"}, "happened_at"),
        ({"kind": "call", "summary": "x", "follow_up_on": "9999-12-31"}, "follow_up_on"),
        ({"kind": "call", "summary": "x", "duration_minutes": 99999}, "duration_minutes"),
        ({"kind": "call", "summary": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(payload, field):
    world = make_world()
    response = api_client(world.agent).post(
        f"/api/success/organisations/{world.org.id}/interactions", payload, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not Interaction.objects.exists()


def test_tasks_are_paginated_and_scoped(django_assert_max_num_queries):
    world = make_world()
    for n in range(5):
        SuccessTask.objects.create(
            organisation=world.org,
            assignee=world.manager,
            playbook=TaskSource.RENEWAL,
            period_key=str(n),
            title=f"T{n}",
            due_on=today() + timedelta(days=n),
            created_at=clock.now(),
        )
    client = api_client(world.manager)
    with django_assert_max_num_queries(8):
        first = client.get("/api/success/tasks", {"limit": 3}).json()
    assert [t["title"] for t in first["items"]] == ["T0", "T1", "T2"]
    second = client.get("/api/success/tasks", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [t["title"] for t in second["items"]] == ["T3", "T4"] and second["next_cursor"] is None
    assert api_client(world.agent).get("/api/success/tasks").json()["items"] == []
    assert len(api_client(world.admin).get("/api/success/tasks", {"everyone": True}).json()["items"]) == 5
    assert api_client(world.contact.user).get("/api/success/tasks").status_code == 404
