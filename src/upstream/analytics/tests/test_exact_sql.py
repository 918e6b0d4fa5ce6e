"""Every headline figure of the API equals a direct SQL computation on the source tables (docs/analytics.md)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from upstream.analytics import maintenance
from upstream.analytics.metrics import DateRange
from upstream.analytics.models import TicketFact
from upstream.analytics.tests.direct_sql import headline
from upstream.analytics.tests.world import World
from upstream.core import clock
from upstream.core.testing import api_client
from upstream.sla.history import PolicyBook
from upstream.tickets.models import Ticket


def _api(world: World, query: dict[str, Any]) -> dict[str, Any]:
    response = api_client(world.admin).get("/api/analytics/summary", query)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = json.loads(response.content)
    return body


COMBINATIONS: list[dict[str, str]] = [
    {},
    {"organisation": "org_a"},
    {"organisation": "org_b"},
    {"team": "platform"},
    {"team": "database", "agent": "bo"},
    {"agent": "ada"},
    {"plan": "plan"},
    {"product": "product"},
    {"channel": "email"},
    {"category": "defect"},
    {"organisation": "org_a", "category": "outage"},
]


def test_summary_equals_direct_sql_for_every_filter(history: World) -> None:
    maintenance.catch_up(clock.now())
    world = history
    world.admin.time_zone = "Asia/Shanghai"
    world.admin.save(update_fields=["time_zone"])
    span = DateRange(date(2026, 11, 10), date(2026, 11, 24), ZoneInfo("Asia/Shanghai"))
    for dimensions in COMBINATIONS:
        query: dict[str, Any] = {"from": "2026-11-10", "to": "2026-11-24"}
        sql_dimensions: dict[str, Any] = {}
        for name, value in dimensions.items():
            resolved = getattr(world, value).pk if hasattr(world, value) else value
            query[name] = resolved
            sql_dimensions[name] = resolved
        body = _api(world, query)
        expected = headline(span.start, span.end, **sql_dimensions)
        assert {key: body[key] for key in expected} == expected, dimensions


def test_a_narrow_range_excludes_by_the_viewers_days(history: World) -> None:
    """Days are the viewer's: 16 November in Shanghai starts at 16:00 UTC the day before."""
    maintenance.catch_up(clock.now())
    history.admin.time_zone = "Asia/Shanghai"
    history.admin.save(update_fields=["time_zone"])
    body = _api(history, {"from": "2026-11-16", "to": "2026-11-16"})
    span = DateRange(date(2026, 11, 16), date(2026, 11, 16), ZoneInfo("Asia/Shanghai"))
    assert {key: body[key] for key in ("tickets_created", "tickets_resolved")} == {
        key: headline(span.start, span.end)[key] for key in ("tickets_created", "tickets_resolved")
    }
    assert body["tickets_created"] == 3  # t1, t4 and t2 (23:00 local); t3 and t5 fall on later days


def test_the_sample_is_not_trivial(history: World) -> None:
    """The comparison above means something: the world has answers, breaches, a reopen, CSAT and NPS."""
    maintenance.catch_up(clock.now())
    body = _api(history, {"from": "2026-11-10", "to": "2026-11-24"})
    assert body["tickets_created"] == 5
    assert body["tickets_resolved"] == 3
    assert body["sla"]["first_response"]["breached"] >= 1 and body["sla"]["first_response"]["met"] >= 1
    assert body["reopen"]["reopened"] == 1
    assert body["csat"]["count"] == 3
    assert body["nps"] == {"score": 0.0, "count": 3, "promoters": 1, "detractors": 1}
    assert body["first_response_seconds"]["business_p90"] != body["first_response_seconds"]["p90"]


def test_business_seconds_equal_the_sla_engine_ticket_by_ticket(history: World) -> None:
    """The business-time columns (the one part SQL cannot compute) agree with the SLA engine's calendar."""
    maintenance.catch_up(clock.now())
    facts = {f.ticket_id: f for f in TicketFact.objects.all()}
    book = PolicyBook.load([f.plan_id for f in facts.values()])
    for ticket in Ticket.objects.filter(id__in=facts).select_related("organisation"):
        fact = facts[ticket.id]
        policy = book.model(fact.plan_id, ticket.priority)
        for metric, end, value in (
            ("first_response", ticket.first_responded_at, fact.first_response_business_seconds),
            ("resolution", ticket.resolved_at, fact.resolution_business_seconds),
        ):
            if end is None:
                assert value is None
                continue
            if policy is None:
                assert value == int((end - ticket.created_at).total_seconds())
                continue
            calendar = policy.engine_for(metric, customer_time_zone=ticket.organisation.time_zone)
            assert value == calendar.between(ticket.created_at, end)
