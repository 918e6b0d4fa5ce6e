"""GET /api/analytics/summary: the JSON shape, defaults, and 422 on bad input."""

from __future__ import annotations

import json
from typing import Any

from upstream.analytics.tests.world import World
from upstream.core.testing import api_client


def test_the_summary_has_every_headline_figure(small: World, django_assert_max_num_queries: Any) -> None:
    client = api_client(small.admin)
    with django_assert_max_num_queries(12):  # token, scope, form choices, five figure queries
        response = client.get("/api/analytics/summary", {"from": "2026-11-10", "to": "2026-11-24"})
    assert response.status_code == 200
    body = json.loads(response.content)
    assert set(body) >= {
        "from", "to", "time_zone", "filters", "tickets_created", "tickets_resolved", "first_response_seconds",
        "resolution_seconds", "sla", "reopen", "csat", "nps",
    }  # fmt: skip
    assert set(body["first_response_seconds"]) == {"p50", "p90", "business_p50", "business_p90"}
    assert set(body["sla"]) == {"first_response", "next_response", "resolution"}
    assert body["first_response_seconds"]["p50"] == 1800  # 30 min and 60 min: the lower is the median of two
    assert body["first_response_seconds"]["p90"] == 3600


def test_defaults_to_the_last_thirty_days(small: World) -> None:
    body = json.loads(api_client(small.admin).get("/api/analytics/summary").content)
    assert body["to"] == "2026-11-17" and body["from"] == "2026-10-19"  # the world's clock: 17 Nov 01:00 UTC
    assert body["tickets_created"] == 2


def test_bad_input_is_a_422_naming_the_parameter(small: World) -> None:
    client = api_client(small.admin)
    for params, field in (
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-11-20", "to": "2026-11-01"}, "to"),
        ({"organisation": "x"}, "organisation"),
        ({"organisation": "999999"}, "organisation"),
        ({"plan": "-1"}, "plan"),
    ):
        response = client.get("/api/analytics/summary", params)
        assert response.status_code == 422, params
        body = json.loads(response.content)
        assert body["field"] == field and field in body["detail"], params


def test_filters_that_match_nothing_return_zeros(small: World) -> None:
    body = json.loads(
        api_client(small.admin).get("/api/analytics/summary", {"from": "2025-01-01", "to": "2025-01-31"}).content
    )
    assert body["tickets_created"] == 0
    assert body["first_response_seconds"]["p50"] is None
    assert body["sla"]["first_response"] == {"met": 0, "breached": 0, "compliance": None}
    assert body["csat"] == {"average": None, "count": 0}
