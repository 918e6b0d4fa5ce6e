"""Deadline detection and escalation: find tickets past a warning or breach instant, claim each one exactly once,
record the SLA event and run the policy's escalation steps.

The scan reads `TicketSla.next_warn_at` / `next_breach_at` through their partial indexes. Each ticket is first
recomputed from its history (so a reply that just landed, or a handler that failed, never yields a false alarm), then
**claimed** with a conditional update: `UPDATE … SET metrics = <marked notified>, version = version + 1 WHERE id = …
AND version = <the version read>`. Every write to the row bumps `version`, so of two workers racing on the same row
exactly one updates it (the other's WHERE no longer matches after the winner commits, PostgreSQL re-checking it on
the new row version); only the winner records the event and notifies. The claim, the events and the escalation
share one transaction: if an escalation step fails, nothing is marked and the next scan retries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.notifications.models import NotificationKind
from upstream.notifications.services import notify
from upstream.sla import runtime
from upstream.sla.models import EscalationAction, EscalationStep, Metric, SlaEvent, SlaEventKind, TicketSla, Trigger
from upstream.tickets import services as ticket_services
from upstream.tickets.models import Ticket, Tier

log = logging.getLogger(__name__)

SCAN_LIMIT = 500
CLAIM_ATTEMPTS = 3
TIER_ORDER = [Tier.L1, Tier.L2, Tier.ENGINEERING, Tier.MANAGEMENT]


@dataclass(frozen=True)
class Firing:
    metric: str
    trigger: str  # Trigger.WARNING or Trigger.BREACH
    at: datetime  # the warning or due instant
    cycle_start: datetime


def due_ticket_ids(now: datetime, limit: int = SCAN_LIMIT) -> list[int]:
    """Tickets with a warning or breach due by `now`: two index range scans on the partial indexes."""
    warn = TicketSla.objects.filter(next_warn_at__lte=now).order_by("next_warn_at")
    breach = TicketSla.objects.filter(next_breach_at__lte=now).order_by("next_breach_at")
    ids = list(breach.values_list("ticket_id", flat=True)[:limit]) + list(
        warn.values_list("ticket_id", flat=True)[:limit]
    )
    return sorted(set(ids))


def firings(metrics: dict[str, dict[str, Any]], now: datetime) -> list[Firing]:
    """What is due for notification in a snapshot at `now`: a breach if the cycle is past due (its warning, if not
    sent yet, is then moot), else a warning past its instant."""
    due: list[Firing] = []
    for name in Metric.values:
        snap = metrics.get(name)
        if not snap or snap["state"] not in runtime.LIVE or not snap["started_at"]:
            continue
        start = runtime.parse(snap["started_at"])
        due_at, warn_at = runtime.parse(snap["due_at"]), runtime.parse(snap["warn_at"])
        assert start is not None
        if due_at is not None and due_at <= now and not snap["breach_notified"]:
            due.append(Firing(name, Trigger.BREACH, due_at, start))
        elif warn_at is not None and warn_at <= now and not snap["warned"]:
            due.append(Firing(name, Trigger.WARNING, warn_at, start))
    return due


def marked(metrics: dict[str, dict[str, Any]], fired: list[Firing]) -> dict[str, dict[str, Any]]:
    result = {name: dict(snap) for name, snap in metrics.items()}
    for firing in fired:
        result[firing.metric]["warned"] = True  # a breach makes a pending warning moot
        if firing.trigger == Trigger.BREACH:
            result[firing.metric]["breach_notified"] = True
    return result


def check_deadlines(now: datetime) -> int:
    """Notify every warning and breach due by `now`. Returns the number of notifications this call claimed."""
    ids = due_ticket_ids(now)
    if not ids:
        return 0
    runtime.recompute(ids, now)  # from history, so the alarm is real
    claimed = 0
    for ticket_id in ids:
        try:
            claimed += _claim_and_escalate(ticket_id, now)
        except Exception:
            # One ticket's failing escalation must not block the others; its claim rolled back, so it is retried.
            log.exception("SLA escalation failed for ticket %s", ticket_id)
    return claimed


def _claim_and_escalate(ticket_id: int, now: datetime) -> int:
    for _attempt in range(CLAIM_ATTEMPTS):
        with transaction.atomic():
            row = TicketSla.objects.filter(ticket_id=ticket_id).first()
            if row is None:
                return 0
            fired = firings(row.metrics, now)
            if not fired:
                return 0
            metrics = marked(row.metrics, fired)
            next_warn, next_breach = runtime.next_instants(metrics)
            won = TicketSla.objects.filter(pk=row.pk, version=row.version).update(
                metrics=metrics, next_warn_at=next_warn, next_breach_at=next_breach, version=F("version") + 1
            )
            if not won:
                continue  # someone else wrote the row since we read it: re-read and see what is still due
            _record(ticket_id, fired, now)
            _escalate(row, fired)
            return len(fired)
    return 0


def _record(ticket_id: int, fired: list[Firing], now: datetime) -> None:
    SlaEvent.objects.bulk_create(
        [
            SlaEvent(
                ticket_id=ticket_id,
                metric=f.metric,
                kind=SlaEventKind.BREACHED if f.trigger == Trigger.BREACH else SlaEventKind.WARNED,
                at=f.at,
                cycle_start=f.cycle_start,
                detail={"noticed_at": now.isoformat()},
                recorded_at=now,
            )
            for f in fired
        ],
        ignore_conflicts=True,
    )


def _escalate(row: TicketSla, fired: list[Firing]) -> None:
    if row.policy_id is None:
        return
    steps = list(EscalationStep.objects.filter(policy_id=row.policy_id).select_related("team").order_by("order", "id"))
    for firing in fired:
        told: set[int] = set()  # the assignee who leads the team hears it once
        for step in steps:
            if step.metric == firing.metric and step.trigger == firing.trigger:
                # Re-read per step: an earlier step (move to a team) changes what the next one acts on.
                ticket = Ticket.objects.select_related("assignee", "team__lead").get(id=row.ticket_id)
                run_step(step, ticket, firing, told)


def run_step(step: EscalationStep, ticket: Ticket, firing: Firing, told: set[int]) -> None:
    action = step.action
    if action in (EscalationAction.NOTIFY_ASSIGNEE, EscalationAction.NOTIFY_TEAM_LEAD):
        if action == EscalationAction.NOTIFY_ASSIGNEE:
            person = ticket.assignee
        else:
            person = ticket.team.lead if ticket.team is not None else None
        if person is not None and person.is_active and person.id not in told:
            told.add(person.id)
            _notify(person, ticket, firing)
    elif action == EscalationAction.RAISE_TIER:
        position = TIER_ORDER.index(Tier(ticket.tier)) if ticket.tier in TIER_ORDER else 0
        if position + 1 < len(TIER_ORDER):
            changes = ticket_services.TicketChanges(tier=TIER_ORDER[position + 1])
            ticket_services.update_ticket(by=None, ticket=ticket, changes=changes)
    elif action == EscalationAction.MOVE_TO_TEAM and step.team is not None:
        ticket_services.update_ticket(by=None, ticket=ticket, changes=ticket_services.TicketChanges(team=step.team))


def _notify(user: User, ticket: Ticket, firing: Firing) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        metric = str(Metric(firing.metric).label).lower()
        if firing.trigger == Trigger.BREACH:
            text = _("%(ref)s breached its %(metric)s target: %(subject)s")
            kind = NotificationKind.SLA_BREACH
        else:
            text = _("%(ref)s is close to its %(metric)s deadline: %(subject)s")
            kind = NotificationKind.SLA_WARNING
        notify(user, text=text % {"ref": ticket.reference, "metric": metric, "subject": ticket.subject}, ticket=ticket,
               kind=kind)  # fmt: skip
