"""Hour-bank background work: the monthly statements (enqueued daily by `upstream clock`, see HoursConfig.ready)."""

from __future__ import annotations

from django_tasks import task

from upstream.core import clock
from upstream.hours import statements


@task()
def issue_monthly_statements() -> int:
    return statements.issue_due(clock.now())
