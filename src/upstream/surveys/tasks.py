"""Survey background work (ids in, call a service)."""

from __future__ import annotations

from django_tasks import task

from upstream.surveys import csat, nps, visits


@task()
def send_csat_survey(ticket_id: int) -> bool:
    """After a ticket is resolved (see handlers): create or re-send its CSAT survey."""
    return csat.send_survey(ticket_id) is not None


@task()
def send_due_nps() -> int:
    """Daily (registered in `SurveysConfig.ready`)."""
    return nps.send_due()


@task()
def schedule_return_visits() -> int:
    """Daily: onboarding return visits that fall due."""
    return visits.schedule_onboarding()
