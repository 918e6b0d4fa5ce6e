"""Analytics background work: the periodic catch-up of the fact table and the weekly report to team leads."""

from __future__ import annotations

from django_tasks import task

from upstream.analytics import maintenance, reports
from upstream.core import clock


@task()
def catch_up() -> int:
    """Every ten minutes (registered in `AnalyticsConfig.ready`): refresh the facts of tickets that changed without
    an event reaching us (an SLA verdict that time decided, a CSAT answer, a failed handler)."""
    return maintenance.catch_up(clock.now())


@task()
def weekly_reports() -> int:
    """Every hour; sends each lead last week's report once (idempotent per lead and week)."""
    return len(reports.send_weekly_reports(clock.now()))
