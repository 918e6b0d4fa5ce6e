"""Long ranges read the day columns (`analytics.columns`): every figure they give equals the fact-table path and the
direct SQL of docs/analytics.md, for every filter and scope; handlers keep the columns equal to a full rebuild."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstream.analytics import columns, maintenance, metrics, queries
from upstream.analytics.filters import Filters, Scope
from upstream.analytics.metrics import DateRange
from upstream.analytics.models import DayColumns, MaintenanceState
from upstream.analytics.tests.direct_sql import headline
from upstream.analytics.tests.test_exact_sql import COMBINATIONS
from upstream.analytics.tests.world import World
from upstream.core import clock
from upstream.core.testing import api_client
from upstream.tickets.models import Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
SPAN = DateRange(date(2026, 11, 10), date(2026, 11, 24), SHANGHAI)


@pytest.fixture
def from_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every range reads the day columns (the bench's long ranges do; the sample's history is a few days)."""
    monkeypatch.setattr(queries, "COLUMNS_FROM_DAYS", 1)


def _summary(world: World, first: str, last: str) -> dict[str, Any]:
    response = api_client(world.admin).get("/api/analytics/summary", {"from": first, "to": last})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = json.loads(response.content)
    return body


def _dimensions(world: World, names: dict[str, str]) -> dict[str, Any]:
    return {name: getattr(world, value).pk if hasattr(world, value) else value for name, value in names.items()}


def test_summary_from_the_day_columns_equals_direct_sql(history: World, from_columns: None) -> None:
    maintenance.catch_up(clock.now())
    assert MaintenanceState.objects.get(pk=1).days_built_at is not None
    history.admin.time_zone = "Asia/Shanghai"
    history.admin.save(update_fields=["time_zone"])
    for names in COMBINATIONS:
        dimensions = _dimensions(history, names)
        query = {"from": SPAN.first.isoformat(), "to": SPAN.last.isoformat(), **dimensions}
        response = api_client(history.admin).get("/api/analytics/summary", query)
        body = json.loads(response.content)
        expected = headline(SPAN.start, SPAN.end, **dimensions)
        assert {key: body[key] for key in expected} == expected, names
    assert _summary(history, "2026-11-16", "2026-11-16")["tickets_created"] == 3


def _figures(scope: Scope, filters: Filters, days: columns.Cohort | None) -> dict[str, Any]:
    groups = queries.cohort_groups(scope, filters, days)
    csat = queries.csat_groups(scope, filters, days)

    def ordered(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
        # The fact path's GROUPING SETS rows also carry the other set's columns (as NULL) and a marker.
        kept = (*keys, *queries.COUNT_KEYS, "total", "n")
        return sorted(
            ({k: v for k, v in r.items() if k in kept} for r in rows),
            key=lambda r: tuple(str(r[k]) for k in keys),
        )

    def local(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**r, "bucket": queries._local_date(r["bucket"], filters.range.zone)} for r in rows]

    return {
        "summary": queries.summary(scope, filters, groups, csat, days).as_json(),
        "volume": ordered(local(groups.volume_rows), ("bucket", "channel", "category")),
        "plans": ordered(groups.plan_rows, ("plan_id", "priority")),
        "csat": ordered(local(csat.rows), ("bucket", "assignee_id")),
        "agents": queries.agent_table(scope, filters, csat, days),
        "sla": queries.sla_by_plan_priority(scope, filters, groups),
    }


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York"])
def test_every_dashboard_figure_equals_the_fact_path(history: World, zone: str) -> None:
    """Volume by bucket, the SLA table, CSAT by bucket and agent, the agent table's medians: the same from the day
    columns as from the fact table, for scopes (admin, lead, agent, organisation) and filters, in several zones."""
    maintenance.catch_up(clock.now())
    span = DateRange(date(2026, 11, 10), date(2026, 11, 24), ZoneInfo(zone))
    w = history
    scopes = [
        Scope(everything=True),
        Scope(team_ids=(w.platform.pk,), agent_id=w.ada.pk),
        Scope(agent_id=w.bo.pk),
        Scope(organisation_ids=(w.org_a.pk,), is_staff=False),
        Scope(),
    ]
    for scope in scopes:
        for names in COMBINATIONS:
            filters = Filters(span, **_dimensions(w, names))
            from_days = _figures(scope, filters, columns.cohort(scope, filters))
            from_facts = _figures(scope, filters, None)
            assert from_days == from_facts, (scope, names)
    assert _figures(Scope(everything=True), Filters(span), None)["summary"]["tickets_created"] == 5


def _snapshot() -> dict[date, tuple[Any, ...]]:
    return {
        d.day: (d.records, d.channels, d.categories, *(bytes(getattr(d, blob)) for blob in columns.BLOBS))
        for d in DayColumns.objects.all()
    }


def test_handlers_keep_the_day_columns_equal_to_a_rebuild(history: World, from_columns: None) -> None:
    """After the first build, ticket events (a resolution, a CSAT answer, a reopen on a later day) rewrite exactly
    the days they touch: the columns then equal a fresh build, and the figures direct SQL."""
    maintenance.catch_up(clock.now())
    w = history
    t3, t5 = w.named["t3"], w.named["t5"]
    w.status(t3, w.ada, Status.RESOLVED, 120.0)  # created day 2, resolved day 5 (UTC)
    w.csat(t3, 3, 121.0)
    w.assign(t5, w.bo, w.database, 122.0)
    w.reply(t5, w.bo, 123.0)
    maintenance.catch_up(clock.now())  # a CSAT answer is no ticket event: the catch-up refreshes its fact
    incremental = _snapshot()
    assert sorted(incremental) == [date(2026, 11, d) for d in (16, 17, 18, 21)]
    columns.rebuild_all()
    assert _snapshot() == incremental
    w.admin.time_zone = "Asia/Shanghai"
    w.admin.save(update_fields=["time_zone"])
    body = _summary(w, "2026-11-10", "2026-11-24")
    expected = headline(SPAN.start, SPAN.end)
    assert {key: body[key] for key in expected} == expected
    assert body["tickets_resolved"] == 4 and body["csat"]["count"] == 4


def test_before_the_first_build_long_ranges_read_the_facts(history: World, from_columns: None) -> None:
    maintenance.catch_up(clock.now())
    MaintenanceState.objects.filter(pk=1).update(days_built_at=None)
    DayColumns.objects.all().delete()  # as after upgrading, before `upstream analytics rebuild-days`
    assert not queries.reads_day_columns(Filters(SPAN))
    body = _summary(history, "2026-11-10", "2026-11-24")
    assert body["tickets_created"] == 5


@pytest.mark.smoke
@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=60), st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
def test_kth_is_percentile_disc(values: list[int], fraction: float) -> None:
    array = np.array(values, dtype=np.int32)
    assert columns.kth(array, fraction) == metrics.percentile_disc(values, fraction)
    both = columns.kths(array, [fraction, 0.9])
    assert both == [metrics.percentile_disc(values, fraction), metrics.percentile_disc(values, 0.9)]


@pytest.mark.smoke
@given(st.lists(st.tuples(st.integers(-1, 3), st.sampled_from([-1, 7, 2**30])), min_size=1, max_size=40))
def test_groups_are_group_by(pairs: list[tuple[int, int]]) -> None:
    first = np.array([a for a, _ in pairs], dtype=np.int32)
    second = np.array([b for _, b in pairs], dtype=np.int32)
    group, labels = columns._groups([first, second])
    assert labels == sorted(set(pairs))
    assert [labels[g] for g in group.tolist()] == pairs
