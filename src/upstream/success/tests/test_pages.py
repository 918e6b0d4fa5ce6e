"""The overview with the risk list, the organisation page's health panel and the task list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from upstream.core import clock
from upstream.core.testing import PASSWORD
from upstream.success import services
from upstream.success.models import HealthSnapshot, SuccessTask, TaskSource
from upstream.success.tests.world import make_world, today

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def snapshot(org, score, days_ago=0, previous=None):
    return HealthSnapshot.objects.create(
        organisation=org,
        computed_on=today() - timedelta(days=days_ago),
        score=score,
        previous_score=previous,
        computed_at=clock.now(),
    )


def test_overview_sorts_by_score_and_lists_the_risky_ones_first(django_assert_max_num_queries):
    worlds = [make_world(name=f"Org {score}") for score in (80, 20, 55)]
    for world, score in zip(worlds, (80, 20, 55), strict=True):
        snapshot(world.org, score - 10, days_ago=1)
        snapshot(world.org, score, previous=score - 10)
    client = login(worlds[0].manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("success:overview"))
    assert response.status_code == 200
    assert [r["score"] for r in response.context["rows"]] == [20, 55, 80]
    assert [r["score"] for r in response.context["risk"]] == [20, 55]  # below 60
    assert response.context["rows"][0]["trend"] == "up"
    mine = client.get(reverse("success:overview"), {"mine": "1", "sort": "-score"})
    assert [r["organisation"] for r in mine.context["rows"]] == [worlds[0].org]
    assert client.get(reverse("success:overview"), {"sort": "nonsense"}).status_code == 200
    for page in ("99999999999999999999999", "-3", "x"):
        assert client.get(reverse("success:overview"), {"page": page}).status_code == 200


def test_the_organisation_page_explains_the_score_factor_by_factor():
    world = make_world()
    services.compute_health(clock.now())
    response = login(world.agent).get(reverse("success:organisation", args=[world.org.id]))
    content = response.content.decode()
    assert response.status_code == 200
    for label in ("Ticket volume trend", "Open P1/P2 tickets", "CSAT", "NPS", "Days to renewal"):
        assert label in content
    assert "No data: left out" in content  # no survey answers yet
    assert "<polyline" in content


def test_the_task_list_shows_mine_and_leads_see_everyone(django_assert_max_num_queries):
    world = make_world()
    other = make_world()
    for w in (world, other):
        SuccessTask.objects.create(
            organisation=w.org,
            assignee=w.manager,
            playbook=TaskSource.RENEWAL,
            period_key="k",
            title=f"Renew {w.org.name}",
            due_on=today(),
            created_at=clock.now(),
        )
    client = login(world.manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("success:tasks"))
    assert [t.title for t in response.context["tasks"]] == [f"Renew {world.org.name}"]
    assert not response.context["may_see_all"]
    # ?all=1 from someone who may not see all: still only their own.
    assert len(client.get(reverse("success:tasks"), {"all": "1"}).context["tasks"]) == 1
    lead_client = login(world.admin)
    assert len(lead_client.get(reverse("success:tasks"), {"all": "1"}).context["tasks"]) == 2


def test_done_and_snooze_from_the_list():
    world = make_world()
    task = SuccessTask.objects.create(
        organisation=world.org,
        assignee=world.manager,
        playbook=TaskSource.RENEWAL,
        period_key="k",
        title="Renew",
        due_on=today(),
        created_at=clock.now(),
    )
    client = login(world.manager)
    bad = client.post(
        reverse("success:task_snooze", args=[task.id]), {"until": today().isoformat()}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 200 and b"after today" in bad.content
    client.post(reverse("success:task_snooze", args=[task.id]), {"until": (today() + timedelta(days=2)).isoformat()})
    task.refresh_from_db()
    assert task.due_on == today() + timedelta(days=2)
    response = client.post(reverse("success:task_done", args=[task.id]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Reopen" in response.content
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == world.manager
    # Someone else's task is not there at all.
    assert login(world.agent).post(reverse("success:task_done", args=[task.id])).status_code == 404


def test_the_agent_ticket_page_shows_the_health_badge():
    from upstream.core.testing import make_ticket

    world = make_world()
    ticket = make_ticket(world.contact, world.org)
    client = login(world.admin)
    url = reverse("tickets:detail", kwargs={"ref": ticket.reference})
    assert b"health-badge" not in client.get(url).content  # no score yet
    snapshot(world.org, 42)
    content = client.get(url).content.decode()
    assert "health-badge" in content and ">42</span>" in content
    assert reverse("success:organisation", args=[world.org.id]) in content
