"""CSAT per agent: figures, who sees what, the date filter, and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from upstream.core.testing import PASSWORD, make_admin, make_agent, make_contact, make_org, make_team, make_ticket
from upstream.surveys import queries
from upstream.surveys.models import CsatSurvey
from upstream.surveys.tests.survey_world import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def rated(world, agent, score, *, comment="", days_ago=1, team=None, contact=None):
    contact = contact or world.customer
    ticket = make_ticket(contact, by=agent)
    at = timezone.now() - timedelta(days=days_ago)
    return CsatSurvey.objects.create(
        ticket=ticket, contact=contact, organisation=ticket.organisation, agent=agent,
        team=team or world.team, sent_at=at, score=score, comment=comment, answered_at=at,
    )  # fmt: skip


def test_per_agent_average_count_and_distribution(world):
    for score in (5, 4, 4):
        rated(world, world.agent, score)
    rated(world, world.other_agent, 1)
    CsatSurvey.objects.create(  # asked but not answered: does not count
        ticket=make_ticket(world.customer), contact=world.customer, organisation=world.org, agent=world.agent,
        team=world.team, sent_at=timezone.now(),
    )  # fmt: skip
    answered = queries.answered_between(queries.visible_csat(make_admin()), None, None)
    rows = {row.name: row for row in queries.per_agent(answered)}
    assert rows["Ada Agent"].count == 3 and rows["Ada Agent"].average == 4.33
    assert rows["Ada Agent"].distribution == [0, 0, 0, 2, 1]
    assert rows["Otto Other"].average == 1.0
    total = queries.overall(answered)
    assert total.count == 4 and total.average == 3.5


def test_an_agent_sees_only_their_own_ratings_and_a_lead_their_teams(world):
    rated(world, world.agent, 5)
    rated(world, world.other_agent, 2)
    elsewhere = make_team("Elsewhere")
    stranger = make_agent(elsewhere)
    rated(world, stranger, 3, team=elsewhere)
    assert set(queries.visible_csat(world.agent).values_list("score", flat=True)) == {5}
    assert set(queries.visible_csat(world.lead).values_list("score", flat=True)) == {5, 2}
    assert queries.visible_csat(make_admin()).count() == 3
    assert not queries.visible_csat(world.customer.user).exists()


def test_the_page_filters_by_date_range(world):
    rated(world, world.agent, 5, comment="recent and great", days_ago=2)
    rated(world, world.agent, 1, comment="long ago and bad", days_ago=200)
    client = Client()
    client.login(username="lead", password=PASSWORD)
    page = client.get("/surveys/csat/")
    assert page.status_code == 200
    assert b"recent and great" in page.content and b"long ago and bad" not in page.content
    old = (timezone.localdate() - timedelta(days=250)).isoformat()
    page = client.get(f"/surveys/csat/?from={old}")
    assert b"long ago and bad" in page.content
    assert client.get("/surveys/csat/?from=yesterday").status_code == 200  # reported, not a 500


def test_a_customer_cannot_open_the_report(world):
    client = Client()
    client.login(username=world.customer.user.username, password=PASSWORD)
    assert client.get("/surveys/csat/").status_code == 302
    assert client.get("/surveys/").status_code == 302


def test_the_report_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = Client()
    client.login(username="lead", password=PASSWORD)
    org = make_org()
    for index in range(3):
        rated(world, world.agent, 1 + index % 5, comment=f"c{index}", contact=make_contact(org))
    with django_assert_max_num_queries(15) as few:
        client.get("/surveys/csat/")
    for index in range(20):
        rated(world, make_agent(world.team), 1 + index % 5, comment=f"c{index}", contact=make_contact(org))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/surveys/csat/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/surveys/").status_code == 200
