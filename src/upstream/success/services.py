"""Every change to customer-success state: logging interactions, computing health, running playbooks, tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.core import clock
from upstream.core.errors import Forbidden, InvalidInput
from upstream.customers.models import Contact, Organisation
from upstream.notifications.services import notify
from upstream.success import health, measure, playbooks
from upstream.success.models import (
    MAX_DURATION_MINUTES,
    HealthSettings,
    HealthSnapshot,
    Interaction,
    InteractionKind,
    Playbook,
    SuccessTask,
    TaskSource,
)
from upstream.success.queries import can_see_all_tasks

# How far ahead a call may be logged (a meeting planned for tomorrow is not an interaction yet).
FUTURE_SLACK = timedelta(minutes=5)
MAX_SUMMARY = 5000
MAX_SNOOZE_DAYS = 365
MAX_AGE_DAYS = 3650  # interactions older than ten years are typos


# ---------------------------------------------------------------- interactions


@dataclass(frozen=True)
class NewInteraction:
    organisation: Organisation
    kind: str
    summary: str
    happened_at: datetime
    contact: Contact | None = None
    duration_minutes: int | None = None
    follow_up_on: date | None = None


def _check_interaction(new: NewInteraction, now: datetime) -> None:
    if new.kind not in (InteractionKind.CALL, InteractionKind.MEETING, InteractionKind.NOTE):
        raise InvalidInput("kind must be call, meeting or note", field="kind")
    if not new.summary.strip():
        raise InvalidInput("write a summary", field="summary")
    if len(new.summary) > MAX_SUMMARY:
        raise InvalidInput(f"the summary is longer than {MAX_SUMMARY} characters", field="summary")
    if new.happened_at > now + FUTURE_SLACK:
        raise InvalidInput("the time is in the future", field="happened_at")
    if new.happened_at < now - timedelta(days=MAX_AGE_DAYS):
        raise InvalidInput("the time is more than ten years ago", field="happened_at")
    if new.duration_minutes is not None and not 1 <= new.duration_minutes <= MAX_DURATION_MINUTES:
        raise InvalidInput(f"the duration must be 1 to {MAX_DURATION_MINUTES} minutes", field="duration_minutes")
    if new.follow_up_on is not None and new.follow_up_on < timezone.localdate(now):
        raise InvalidInput("the follow-up date is in the past", field="follow_up_on")
    if new.follow_up_on is not None and new.follow_up_on > timezone.localdate(now) + timedelta(days=MAX_SNOOZE_DAYS):
        raise InvalidInput("the follow-up date is more than a year away", field="follow_up_on")
    if new.contact is not None and not new.contact.memberships.filter(organisation=new.organisation).exists():
        raise InvalidInput("the contact does not belong to this organisation", field="contact")


@transaction.atomic
def log_interaction(*, by: User, new: NewInteraction) -> Interaction:
    """Record a call, meeting or note; a follow-up date becomes a task for its author, due that day."""
    if not by.is_staff_member:
        raise Forbidden("only the vendor's staff log interactions")
    now = clock.now()
    _check_interaction(new, now)
    interaction = Interaction.objects.create(
        organisation=new.organisation,
        kind=new.kind,
        author=by,
        contact=new.contact,
        happened_at=new.happened_at,
        duration_minutes=new.duration_minutes,
        summary=new.summary.strip(),
        follow_up_on=new.follow_up_on,
    )
    if new.follow_up_on is not None:
        SuccessTask.objects.create(
            organisation=new.organisation,
            assignee=by,
            playbook=TaskSource.FOLLOW_UP,
            interaction=interaction,
            period_key=f"interaction:{interaction.id}",
            title=_follow_up_title(by, interaction),
            due_on=new.follow_up_on,
            created_at=now,
        )
    # The organisation's "last interaction" and score change now, not at tomorrow's daily run.
    organisation_id = new.organisation.id
    transaction.on_commit(lambda: _refresh_health(organisation_id))
    return interaction


def _refresh_health(organisation_id: int) -> None:
    from upstream.success.tasks import compute_health

    compute_health.enqueue(organisation_ids=[organisation_id])


def _in_language_of(user: User) -> translation.override:
    return translation.override(user.language or settings.LANGUAGE_CODE)


def _follow_up_title(user: User, interaction: Interaction) -> str:
    summary = interaction.summary.splitlines()[0]
    summary = summary if len(summary) <= 80 else summary[:79] + "…"
    with _in_language_of(user):
        if interaction.contact is not None:
            return _("Follow up with %(contact)s (%(org)s): %(summary)s") % {
                "contact": interaction.contact.name,
                "org": interaction.organisation.name,
                "summary": summary,
            }
        return _("Follow up with %(org)s: %(summary)s") % {"org": interaction.organisation.name, "summary": summary}


# ---------------------------------------------------------------- health


def compute_health(now: datetime, organisation_ids: list[int] | None = None) -> int:
    """Today's health snapshot of every organisation (or of those listed), written in bulk; computing the same day
    again replaces that day's snapshot. About a dozen queries in all, whatever the number of organisations."""
    today = timezone.localdate(now)
    weights = HealthSettings.current().weights()
    measured = measure.measure(now, organisation_ids)
    previous = _previous_scores(today, list(measured))
    rows = []
    for org_id, m in measured.items():
        result = health.score(m.inputs, weights)
        if result.score is None:
            continue  # every factor with weight lacks data: nothing honest to store
        rows.append(
            HealthSnapshot(
                organisation_id=org_id,
                computed_on=today,
                score=result.score,
                factors=result.as_json(),
                previous_score=previous.get(org_id),
                last_interaction_at=m.last_interaction_at,
                renewal_on=m.renewal_on,
                computed_at=now,
            )
        )
    with transaction.atomic():
        HealthSnapshot.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["organisation", "computed_on"],
            update_fields=["score", "factors", "previous_score", "last_interaction_at", "renewal_on", "computed_at"],
        )
    return len(rows)


def _previous_scores(today: date, organisation_ids: list[int]) -> dict[int, int]:
    """Each organisation's latest score before `today` (one query)."""
    latest = HealthSnapshot.objects.filter(organisation=OuterRef("pk"), computed_on__lt=today).order_by("-computed_on")
    rows = (
        Organisation.objects.filter(id__in=organisation_ids)
        .annotate(previous=Subquery(latest.values("score")[:1]))
        .filter(previous__isnull=False)
        .values_list("id", "previous")
    )
    return dict(rows)


# ---------------------------------------------------------------- playbooks


def _rules() -> list[playbooks.Rule]:
    return [
        playbooks.Rule(id=p.id, kind=playbooks.PlaybookKind(p.kind), parameter=p.parameter, due_in_days=p.due_in_days)
        for p in Playbook.objects.filter(active=True).order_by("id")
    ]


def _org_states(now: datetime) -> tuple[list[playbooks.OrgState], dict[int, str]]:
    today = timezone.localdate(now)
    organisations = list(
        Organisation.objects.filter(
            account_manager__isnull=False, account_manager__is_active=True, account_manager__role__in=["admin", "agent"]
        )
        .annotate(
            score=Subquery(
                HealthSnapshot.objects.filter(organisation=OuterRef("pk"), computed_on__lte=today)
                .order_by("-computed_on")
                .values("score")[:1]
            )
        )
        .values_list("id", "name", "account_manager_id", "score", "created_at")
    )
    ids = [row[0] for row in organisations]
    last = measure.last_interactions(now, ids)
    renewals, _entitling = measure.renewals(today, ids)
    states = []
    for org_id, _name, manager_id, score, created_at in organisations:
        last_at = last.get(org_id) or created_at
        renewal = renewals.get(org_id)
        states.append(
            playbooks.OrgState(
                organisation_id=org_id,
                account_manager_id=manager_id,
                last_interaction_on=timezone.localdate(last_at),
                renewal=None if renewal is None else playbooks.Renewal(contract_id=renewal[0], ends_on=renewal[1]),
                health_score=score,
            )
        )
    return states, {row[0]: row[1] for row in organisations}


def _playbook_title(user: User, organisation: str, task: playbooks.TaskToCreate) -> str:
    facts = task.facts
    with _in_language_of(user):
        if task.kind is playbooks.PlaybookKind.NO_INTERACTION:
            return _("No contact with %(org)s for %(days)s days: get in touch") % {
                "org": organisation,
                "days": facts["days"],
            }
        if task.kind is playbooks.PlaybookKind.RENEWAL:
            return _("%(org)s renews in %(days)s days (%(date)s): prepare the renewal") % {
                "org": organisation,
                "days": facts["days"],
                "date": facts["ends_on"],
            }
        return _("Health of %(org)s fell to %(score)s (below %(threshold)s): review the account") % {
            "org": organisation,
            "score": facts["score"],
            "threshold": facts["threshold"],
        }


def run_playbooks(now: datetime) -> int:
    """Evaluate the active playbooks for every organisation with an account manager and create the tasks that are
    due; idempotent (a task exists once per organisation, source and period). Returns how many were created."""
    rules = _rules()
    if not rules:
        return 0
    states, names = _org_states(now)
    matches = playbooks.tasks_to_create(rules, states, timezone.localdate(now))
    if not matches:
        return 0
    existing = set(
        SuccessTask.objects.filter(
            organisation_id__in={m.organisation_id for m in matches}, period_key__in={m.period_key for m in matches}
        ).values_list("organisation_id", "playbook", "period_key")
    )
    new = [m for m in matches if (m.organisation_id, m.kind.value, m.period_key) not in existing]
    users = User.objects.in_bulk({m.assignee_id for m in new})
    rows = [
        SuccessTask(
            organisation_id=m.organisation_id,
            assignee_id=m.assignee_id,
            playbook=m.kind.value,
            rule_id=m.rule_id,
            period_key=m.period_key,
            title=_playbook_title(users[m.assignee_id], names[m.organisation_id], m)[:250],
            due_on=m.due_on,
            created_at=now,
        )
        for m in new
    ]
    # A concurrent run may have created some of them since the read above: the unique constraint skips those.
    SuccessTask.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


# ---------------------------------------------------------------- tasks


def send_reminders(now: datetime) -> int:
    """Notify each assignee of their tasks that are due or overdue, once per task (claimed by a conditional update,
    so two workers never remind twice)."""
    today = timezone.localdate(now)
    due = list(
        SuccessTask.objects.filter(done_at__isnull=True, reminded_at__isnull=True, due_on__lte=today)
        .select_related("assignee", "organisation")
        .order_by("due_on", "id")[:1000]
    )
    sent = 0
    url = reverse("success:tasks")
    for task in due:
        with transaction.atomic():
            claimed = SuccessTask.objects.filter(id=task.id, reminded_at__isnull=True, done_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            with _in_language_of(task.assignee):
                if task.due_on < today:
                    text = _("Overdue since %(date)s: %(title)s") % {
                        "date": task.due_on.isoformat(),
                        "title": task.title,
                    }
                else:
                    text = _("Due today: %(title)s") % {"title": task.title}
                notify(task.assignee, text=text, url=url)
            sent += 1
    return sent


def _check_may_change(by: User, task: SuccessTask) -> None:
    if task.assignee_id != by.id and not can_see_all_tasks(by):
        raise Forbidden("only the assignee, a team lead or an admin changes this task")


@transaction.atomic
def complete_task(*, by: User, task: SuccessTask) -> SuccessTask:
    _check_may_change(by, task)
    if task.done_at is None:
        task.done_at = clock.now()
        task.done_by = by
        task.save(update_fields=["done_at", "done_by"])
    return task


@transaction.atomic
def reopen_task(*, by: User, task: SuccessTask) -> SuccessTask:
    _check_may_change(by, task)
    task.done_at = None
    task.done_by = None
    task.save(update_fields=["done_at", "done_by"])
    return task


@transaction.atomic
def snooze_task(*, by: User, task: SuccessTask, until: date) -> SuccessTask:
    """Move the due date later; the reminder is sent again on the new date."""
    _check_may_change(by, task)
    today = timezone.localdate(clock.now())
    if task.done_at is not None:
        raise InvalidInput("the task is done; reopen it first", field="until")
    if until <= today:
        raise InvalidInput("snooze to a day after today", field="until")
    if until > today + timedelta(days=MAX_SNOOZE_DAYS):
        raise InvalidInput(f"snooze at most {MAX_SNOOZE_DAYS} days", field="until")
    task.due_on = until
    task.reminded_at = None
    task.save(update_fields=["due_on", "reminded_at"])
    return task
