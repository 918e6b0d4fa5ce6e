"""The staff dashboard and the portal view: charts, tables, CSV downloads, empty and bad filters, query counts."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import Client

from upstream.accounts.models import User
from upstream.analytics import maintenance
from upstream.analytics.tests.world import World
from upstream.core import clock
from upstream.tickets.models import Category

RANGE = {"from": "2026-11-10", "to": "2026-11-24"}


def _client(user: User | None) -> Client:
    assert user is not None
    client = Client()
    client.force_login(user)
    return client


def _csv(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_dashboard_draws_every_chart_and_table(history: World, django_assert_max_num_queries: Any) -> None:
    maintenance.catch_up(clock.now())
    client = _client(history.admin)
    with django_assert_max_num_queries(40):
        page = client.get("/analytics/", RANGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg") >= 6  # volume ×2, backlog, CSAT, NPS, return visits
    for key in ("volume_channel", "volume_category", "backlog", "summary", "sla", "agents", "csat", "nps",
                "return_visits"):  # fmt: skip
        assert f"csv/{key}.csv?" in html
    assert "Ada Agent" in html and "No tickets match" not in html
    assert page.context["summary"].tickets_created == 5


def test_filters_that_match_nothing_give_empty_charts(history: World) -> None:
    maintenance.catch_up(clock.now())
    page = _client(history.admin).get("/analytics/", {**RANGE, "category": Category.ONBOARDING})
    assert page.status_code == 200
    html = page.content.decode()
    assert "No tickets match these filters." in html
    assert html.count("<svg") >= 6  # the charts are still drawn, empty
    rows = _csv(_client(history.admin).get("/analytics/csv/agents.csv", {**RANGE, "category": Category.ONBOARDING}))
    assert rows == [rows[0]]  # the header only


def test_bad_filters_are_form_errors(world: World) -> None:
    client = _client(world.admin)
    for params, field in (
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-11-20", "to": "2026-11-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-11-24"}, "to"),
        ({"team": "99999"}, "team"),
        ({"team": "abc"}, "team"),
        ({"channel": "pigeon"}, "channel"),
        ({"category": "nonsense"}, "category"),
    ):
        page = client.get("/analytics/", params)
        assert page.status_code == 400, params
        assert field in page.context["form"].errors, params
        assert client.get("/analytics/csv/summary.csv", params).status_code == 400
    assert client.get("/analytics/csv/no_such_table.csv").status_code == 404


def test_csv_downloads_match_the_figures(history: World) -> None:
    maintenance.catch_up(clock.now())
    client = _client(history.admin)
    rows = _csv(client.get("/analytics/csv/summary.csv", RANGE))
    figures = dict(rows[1:])
    assert figures["Tickets created"] == "5" and figures["Tickets resolved"] == "3"
    agents = _csv(client.get("/analytics/csv/agents.csv", RANGE))
    assert agents[0][0] == "Agent"
    ada = next(r for r in agents if r[0] == "Ada Agent")
    assert ada[1] == "3"  # t1, t2, t3
    assert ada[7] == "2"  # CSAT answers on t1 and t2
    channels = _csv(client.get("/analytics/csv/volume_channel.csv", RANGE))
    assert sum(int(r[-1]) for r in channels[1:]) == 5
    backlog = _csv(client.get("/analytics/csv/backlog.csv", RANGE))
    assert sum(int(r[-1]) for r in backlog[1:]) == 2  # t3 and t5 are still open


def test_the_portal_view_shows_the_organisation_and_links_the_service_report(history: World) -> None:
    maintenance.catch_up(clock.now())
    client = _client(history.a_admin.user)
    page = client.get("/portal/analytics/", RANGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "/portal/sla/" in html and "Org A" in html
    assert page.context["summary"].tickets_created == 3  # t1, t2, t3 (t6 merged)
    assert "Bo Agent" not in html
    rows = _csv(client.get("/portal/analytics/csv/sla.csv", RANGE))
    assert {r[0] for r in rows[1:]} == {"Gold"}
    assert client.get("/portal/analytics/csv/agents.csv", RANGE).status_code == 404  # staff-only table


def test_the_page_in_chinese(history: World) -> None:
    maintenance.catch_up(clock.now())
    client = _client(history.admin)
    page = client.get("/analytics/", RANGE, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
