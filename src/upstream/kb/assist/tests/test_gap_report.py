"""The KB gap report lists frequent searches with no good result and ticket categories without articles."""

import pytest
from django.test import Client

from upstream.core import clock
from upstream.core.testing import PASSWORD, make_ticket
from upstream.kb.assist import gaps
from upstream.kb.assist.suggestions import record_deflection
from upstream.kb.assist.tests.assist_world import make_assist_world
from upstream.kb.search.query import search

pytestmark = pytest.mark.django_db


def test_failed_searches_are_grouped_and_counted():
    world = make_assist_world()
    for _ in range(3):
        search("kubernetes ingress certificate renewal", user=world.customer.user)
    search("Keycloak admin password reset", user=world.customer.user)
    rows = gaps.failed_searches(clock.now())
    assert rows[0].count == 3 and "ingress" in rows[0].example
    assert all("password" not in row.example for row in rows)


def test_ticket_categories_without_articles_come_first():
    world = make_assist_world()
    for _ in range(3):
        make_ticket(world.customer, by=world.agent, subject="Cluster down", category="outage")
    rows = gaps.uncovered_groups(clock.now())
    assert rows[0].category == "outage" and rows[0].tickets == 3 and rows[0].articles == 0


def test_the_report_page_is_for_staff():
    world = make_assist_world()
    search("kubernetes ingress certificate renewal", user=world.customer.user)
    client = Client()
    client.login(username=world.agent.username, password=PASSWORD)
    page = client.get("/kb/assist/gaps/")
    assert page.status_code == 200 and "kubernetes ingress certificate renewal" in page.content.decode()
    client.login(username=world.customer.user.username, password=PASSWORD)
    assert client.get("/kb/assist/gaps/").status_code == 302


def test_self_service_counts_deflections_and_bot_outcomes():
    world = make_assist_world()
    record_deflection(world.customer.user, world.reset.id, "forgot password")
    counts = gaps.self_service(clock.now())
    assert counts.deflections == 1 and counts.offers == 0
