"""The surveys API: staff list CSAT/NPS with filters; anyone answers by token, refused when out of range, forged,
expired or reused."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from upstream.core.testing import api_client, make_admin, make_contact, make_org, make_ticket
from upstream.surveys import tokens
from upstream.surveys.models import CsatSurvey, NpsSurvey
from upstream.surveys.tests.survey_world import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def rated(world, agent, score, contact=None):
    contact = contact or world.customer
    ticket = make_ticket(contact, by=agent)
    at = timezone.now()
    return CsatSurvey.objects.create(
        ticket=ticket, contact=contact, organisation=ticket.organisation, agent=agent, team=world.team,
        sent_at=at, score=score, answered_at=at if score else None,
    )  # fmt: skip


def test_staff_list_csat_with_filters(world):
    rated(world, world.agent, 5)
    low = rated(world, world.other_agent, 1)
    rated(world, world.agent, None)
    client = api_client(make_admin())
    everything = client.get("/api/surveys/csat").json()["items"]
    assert len(everything) == 3
    only_low = client.get("/api/surveys/csat", {"score": [1, 2]}).json()["items"]
    assert [item["id"] for item in only_low] == [low.id] and only_low[0]["ticket"] == low.ticket.reference
    assert len(client.get("/api/surveys/csat", {"agent": world.agent.id, "answered": "true"}).json()["items"]) == 1
    assert len(client.get("/api/surveys/csat", {"answered": "false"}).json()["items"]) == 1
    assert client.get("/api/surveys/csat", {"score": 6}).status_code == 422


def test_an_agent_lists_only_their_own_and_a_customer_nothing(world):
    rated(world, world.agent, 5)
    rated(world, world.other_agent, 2)
    mine = api_client(world.agent).get("/api/surveys/csat").json()["items"]
    assert [item["agent_id"] for item in mine] == [world.agent.id]
    assert api_client(world.customer.user).get("/api/surveys/csat").json()["items"] == []
    assert api_client(world.customer.user).get("/api/surveys/nps").status_code == 403
    assert Client().get("/api/surveys/csat").status_code == 401


def test_the_list_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    org = make_org()
    for index in range(30):
        rated(world, world.agent, 1 + index % 5, contact=make_contact(org))
    client = api_client(make_admin())
    with django_assert_max_num_queries(6):
        response = client.get("/api/surveys/csat", {"limit": 25})
    assert len(response.json()["items"]) == 25 and response.json()["next_cursor"]
    with django_assert_max_num_queries(6):
        assert client.get("/api/surveys/csat", {"cursor": response.json()["next_cursor"]}).status_code == 200


def test_answering_by_token(world):
    survey = rated(world, world.agent, None)
    token = tokens.make_token("csat", survey.id)
    client = Client()
    for bad in (0, 6, -3):
        response = client.post(
            "/api/surveys/csat/answer", {"token": token, "score": bad}, content_type="application/json"
        )
        assert response.status_code == 422 and "score" in response.json()["detail"]
    survey.refresh_from_db()
    assert survey.answered_at is None
    ok = client.post("/api/surveys/csat/answer", {"token": token, "score": 4, "comment": "fine"},
                     content_type="application/json")  # fmt: skip
    assert ok.status_code == 200 and ok.json()["score"] == 4
    reused = client.post("/api/surveys/csat/answer", {"token": token, "score": 1}, content_type="application/json")
    assert reused.status_code == 409
    survey.refresh_from_db()
    assert survey.score == 4


def test_forged_and_expired_tokens_are_refused_by_the_api(world, monkeypatch):
    survey = NpsSurvey.objects.create(contact=world.customer, organisation=world.org, sent_at=timezone.now())
    token = tokens.make_token("nps", survey.id)
    client = Client()
    forged = client.post("/api/surveys/nps/answer", {"token": token + "x", "score": 7}, content_type="application/json")
    assert forged.status_code == 404
    csat_token = tokens.make_token("csat", survey.id)
    assert client.post("/api/surveys/nps/answer", {"token": csat_token, "score": 7},
                       content_type="application/json").status_code == 404  # fmt: skip
    assert client.post("/api/surveys/nps/answer", {"token": token, "score": 11},
                       content_type="application/json").status_code == 422  # fmt: skip
    later = time.time() + 31 * tokens.DAY
    monkeypatch.setattr(signing.time, "time", lambda: later)
    expired = client.post("/api/surveys/nps/answer", {"token": token, "score": 7}, content_type="application/json")
    assert expired.status_code == 410
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_nps_list_for_staff(world):
    NpsSurvey.objects.create(contact=world.customer, organisation=world.org, sent_at=timezone.now() - timedelta(1))
    items = api_client(world.agent).get("/api/surveys/nps", {"organisation": world.org.id}).json()["items"]
    assert len(items) == 1 and items[0]["score"] is None
