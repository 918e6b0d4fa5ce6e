"""The weekly report to team leads: last week's headline figures for the teams each lead leads.

Sent once per lead and ISO week (Monday–Sunday in the lead's time zone): a `WeeklyReport` row is written in the same
transaction as the in-app notification and the queued email (the outbox), and its unique key (lead, week) makes a
second run of the job, or a racing worker, send nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from upstream.accounts.models import Team, User
from upstream.analytics import metrics, queries, tables
from upstream.analytics.filters import Filters, staff_scope, user_zone
from upstream.analytics.models import WeeklyReport
from upstream.notifications.models import OutboundKind
from upstream.notifications.outbox import queue_email
from upstream.notifications.services import notify

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    lead_id: int
    week_start: date


def last_week(now: datetime, user: User) -> metrics.DateRange:
    """The last complete ISO week in the user's time zone."""
    zone = user_zone(user)
    monday, _sunday = metrics.week_of(now.astimezone(zone).date() - timedelta(days=7))
    return metrics.DateRange(monday, monday + timedelta(days=6), zone)


def leads() -> list[User]:
    ids = Team.objects.filter(lead__isnull=False, lead__is_active=True).values_list("lead_id", flat=True)
    return [u for u in User.objects.filter(id__in=ids).order_by("id") if u.is_staff_member]


def report_text(lead: User, week: metrics.DateRange, summary: queries.Summary, teams: list[str]) -> str:
    """The email body: the week, the teams, one line per figure, the dashboard link."""
    lines = [
        _("Weekly support report, %(first)s – %(last)s (%(zone)s)")
        % {"first": week.first.isoformat(), "last": week.last.isoformat(), "zone": week.zone.key},
        _("Teams: %(teams)s") % {"teams": ", ".join(teams)},
        "",
    ]
    table = tables.summary_table(summary)
    width = max(len(row[0]) for row in table.shown)
    lines += [f"{label.ljust(width)}  {value}" for label, value in table.shown]
    query = urlencode({"from": week.first.isoformat(), "to": week.last.isoformat()})
    lines += ["", f"{settings.SITE_URL.rstrip('/')}{reverse('analytics:dashboard')}?{query}"]
    return "\n".join(lines)


def send_weekly_reports(now: datetime) -> list[Sent]:
    """Send last week's report to every team lead who has not had it yet. Idempotent per (lead, week)."""
    sent: list[Sent] = []
    for lead in leads():
        week = last_week(now, lead)
        if WeeklyReport.objects.filter(lead=lead, week_start=week.first).exists():
            continue
        try:
            if _send(lead, week, now):
                sent.append(Sent(lead.pk, week.first))
        except Exception:
            # One lead's failure (a bad address, a template error) must not stop the others; retried next run.
            log.exception("weekly report for lead %s failed", lead.pk)
    return sent


def _send(lead: User, week: metrics.DateRange, now: datetime) -> bool:
    scope = staff_scope(lead)
    filters = Filters(range=week)
    summary = queries.summary(scope, filters)
    teams = list(Team.objects.filter(id__in=scope.team_ids).order_by("name").values_list("name", flat=True))
    with translation.override(lead.language or settings.LANGUAGE_CODE):
        text = report_text(lead, week, summary, teams)
        subject = _("Weekly support report %(first)s – %(last)s") % {
            "first": week.first.isoformat(),
            "last": week.last.isoformat(),
        }
        query = urlencode({"from": week.first.isoformat(), "to": week.last.isoformat()})
        url = f"{reverse('analytics:dashboard')}?{query}"
        headline = _("%(subject)s: %(created)d tickets created, %(resolved)d resolved.") % {
            "subject": subject,
            "created": summary.tickets_created,
            "resolved": summary.tickets_resolved,
        }
    try:
        with transaction.atomic():
            WeeklyReport.objects.create(lead=lead, week_start=week.first, sent_at=now, summary=summary.as_json())
            notify(lead, text=headline, url=url, email=False)
            if lead.email:
                queue_email(
                    to=[lead.email],
                    subject=subject,
                    text=text,
                    kind=OutboundKind.NOTIFICATION,
                    language=lead.language or "",
                    auto_submitted="auto-generated",
                )
    except IntegrityError:
        return False  # another worker sent it first
    return True
