"""The headline figures computed with direct SQL on the source tables (tickets, activities, SLA records, surveys),
exactly as docs/analytics.md defines them: the reference the fact table and its queries are held to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

ACTIVE = "('new', 'open', 'waiting_customer', 'waiting_internal')"

# Dimension filters: NULL means "any". %(...)s parameters.
TICKET_FILTERS = """
    t.merged_into_id IS NULL
    AND (%(organisation)s::bigint IS NULL OR t.organisation_id = %(organisation)s)
    AND (%(team)s::bigint IS NULL OR t.team_id = %(team)s)
    AND (%(agent)s::bigint IS NULL OR t.assignee_id = %(agent)s)
    AND (%(plan)s::bigint IS NULL OR c.plan_id = %(plan)s)
    AND (%(product)s::bigint IS NULL OR t.product_id = %(product)s)
    AND (%(channel)s::text IS NULL OR t.channel = %(channel)s)
    AND (%(category)s::text IS NULL OR t.category = %(category)s)
"""

COHORT = f"""
WITH cohort AS (
    SELECT t.id, t.resolved_at,
           -- GREATEST ignores NULLs, so the CASE keeps "not yet" NULL (and out of the percentiles).
           CASE WHEN t.first_responded_at IS NOT NULL
                THEN GREATEST(0, FLOOR(EXTRACT(EPOCH FROM t.first_responded_at - t.created_at)))::bigint
           END AS first_response,
           CASE WHEN t.resolved_at IS NOT NULL
                THEN GREATEST(0, FLOOR(EXTRACT(EPOCH FROM t.resolved_at - t.created_at)))::bigint
           END AS resolution,
           s.metrics,
           (SELECT count(*) FROM tickets_activity a
             WHERE a.ticket_id = t.id AND a.field = 'status'
               AND a.before #>> '{{}}' IN ('resolved', 'closed') AND a.after #>> '{{}}' IN {ACTIVE}) AS reopens
      FROM tickets_ticket t
      LEFT JOIN customers_contract c ON c.id = t.contract_id
      LEFT JOIN sla_ticketsla s ON s.ticket_id = t.id
     WHERE t.created_at >= %(start)s AND t.created_at < %(end)s AND {TICKET_FILTERS}
)
SELECT count(*),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY first_response),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY first_response),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY resolution),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY resolution),
       count(*) FILTER (WHERE reopens > 0),
       count(*) FILTER (WHERE resolved_at IS NOT NULL OR reopens > 0),
       {
    ", ".join(
        f"count(*) FILTER (WHERE metrics->'{m}'->>'state' = 'fulfilled' "
        f"AND (metrics->'{m}'->>'breached')::boolean IS NOT TRUE), "
        f"count(*) FILTER (WHERE (metrics->'{m}'->>'breached')::boolean)"
        for m in ("first_response", "next_response", "resolution")
    )
}
  FROM cohort
"""

RESOLVED = f"""
SELECT count(*) FROM tickets_ticket t LEFT JOIN customers_contract c ON c.id = t.contract_id
 WHERE t.resolved_at >= %(start)s AND t.resolved_at < %(end)s AND {TICKET_FILTERS}
"""

CSAT = f"""
SELECT sum(cs.score), count(*)
  FROM surveys_csatsurvey cs
  JOIN tickets_ticket t ON t.id = cs.ticket_id
  LEFT JOIN customers_contract c ON c.id = t.contract_id
 WHERE cs.answered_at >= %(start)s AND cs.answered_at < %(end)s AND cs.score IS NOT NULL AND {TICKET_FILTERS}
"""

NPS = """
SELECT count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score <= 6), count(*)
  FROM surveys_npssurvey
 WHERE answered_at >= %(start)s AND answered_at < %(end)s AND score IS NOT NULL
   AND (%(organisation)s::bigint IS NULL OR organisation_id = %(organisation)s)
"""

# Business-time percentiles cannot be computed from the source tables in SQL (they need the business calendar);
# they are read from the fact rows, whose business seconds the tests check against the SLA engine ticket by ticket.
BUSINESS = f"""
SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY f.first_response_business_seconds),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY f.first_response_business_seconds),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY f.resolution_business_seconds),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY f.resolution_business_seconds)
  FROM analytics_ticketfact f
  JOIN tickets_ticket t ON t.id = f.ticket_id
  LEFT JOIN customers_contract c ON c.id = t.contract_id
 WHERE t.created_at >= %(start)s AND t.created_at < %(end)s AND {TICKET_FILTERS}
"""


def _one(sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def headline(start: datetime, end: datetime, **dimensions: Any) -> dict[str, Any]:
    """The API's summary figures, from direct SQL (same keys and shape as `Summary.as_json()`)."""
    params: dict[str, Any] = {"start": start, "end": end}
    for name in ("organisation", "team", "agent", "plan", "product", "channel", "category"):
        params[name] = dimensions.get(name)
    created, fr50, fr90, res50, res90, reopened, resolved_once, *sla = _one(COHORT, params)
    bfr50, bfr90, bres50, bres90 = _one(BUSINESS, params)
    csat_total, csat_count = _one(CSAT, params)
    promoters, detractors, nps_count = _one(NPS, params)
    if any(dimensions.get(n) is not None for n in ("team", "agent", "plan", "product", "channel", "category")):
        promoters = detractors = nps_count = 0  # NPS is per organisation: other filters leave no answers
    metrics = ("first_response", "next_response", "resolution")
    return {
        "tickets_created": created,
        "tickets_resolved": _one(RESOLVED, params)[0],
        "first_response_seconds": {"p50": fr50, "p90": fr90, "business_p50": bfr50, "business_p90": bfr90},
        "resolution_seconds": {"p50": res50, "p90": res90, "business_p50": bres50, "business_p90": bres90},
        "sla": {
            m: {
                "met": sla[2 * i],
                "breached": sla[2 * i + 1],
                "compliance": None if sla[2 * i] + sla[2 * i + 1] == 0 else sla[2 * i] / (sla[2 * i] + sla[2 * i + 1]),
            }
            for i, m in enumerate(metrics)
        },
        "reopen": {
            "reopened": reopened,
            "resolved": resolved_once,
            "rate": None if resolved_once == 0 else reopened / resolved_once,
        },
        "csat": {"average": None if csat_count == 0 else csat_total / csat_count, "count": csat_count},
        "nps": {
            "score": None if nps_count == 0 else 100 * (promoters - detractors) / nps_count,
            "count": nps_count,
            "promoters": promoters,
            "detractors": detractors,
        },
    }
