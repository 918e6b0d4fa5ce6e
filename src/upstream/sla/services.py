"""Every change to SLA configuration: calendars (validated by the pure engine), holiday imports, policies. Each change
is recorded in `SlaConfigChange` with the stored values before and after. Also the named reads `preview` and
`policy_for`."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import holidays as holiday_data
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.core import clock
from upstream.core.errors import InvalidInput
from upstream.customers.models import SupportPlan
from upstream.sla import calendar as engine
from upstream.sla.history import PolicyBook
from upstream.sla.models import BusinessCalendar, SlaConfigChange, SlaPolicy, ZoneSource
from upstream.sla.preview import PreviewDay, working_days
from upstream.sla.tasks import recompute_open_tickets

WEEKDAYS_MON_TO_FRI = engine.WEEKDAYS[:5]


class ConfigInvalid(InvalidInput):
    """A calendar or policy the model validation refuses; `errors` maps each named field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=field)
        self.errors = errors


def _validate(instance: BusinessCalendar | SlaPolicy) -> None:
    try:
        instance.full_clean(validate_constraints=False)  # clean() names the field; the database keeps the rest
    except ValidationError as exc:
        raise ConfigInvalid(exc.message_dict) from None


def _record(kind: str, instance: Any, action: str, *, by: User | None, before: dict[str, Any] | None) -> None:
    SlaConfigChange.objects.create(
        kind=kind,
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        actor=by,
        action=action,
        before=before,
        after=snapshot(instance),
        created_at=clock.now(),
    )


def snapshot(instance: BusinessCalendar | SlaPolicy) -> dict[str, Any]:
    """The stored values of a calendar or policy, as JSON (ids for foreign keys)."""
    skip = {"id", "created_at", "updated_at"}
    return {
        field.attname: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if field.attname not in skip
    }


# ---------------------------------------------------------------- calendars


@transaction.atomic
def save_calendar(
    *,
    by: User | None,
    calendar: BusinessCalendar | None = None,
    name: str,
    time_zone: str,
    hours: dict[str, Any],
    holidays: list[str] | tuple[str, ...] = (),
    extra_workdays: dict[str, Any] | None = None,
    breaks: dict[str, Any] | None = None,
    is_24x7: bool = False,
    description: str = "",
) -> BusinessCalendar:
    """Create (`calendar=None`) or update a calendar. The pure engine validates it; a valid one is stored in the
    engine's normalised form (intervals sorted, dates sorted and unique), so equal calendars store equally."""
    creating = calendar is None
    instance = calendar if calendar is not None else BusinessCalendar()
    before = None if creating else snapshot(BusinessCalendar.objects.select_for_update().get(pk=instance.pk))
    instance.name = name.strip()
    instance.time_zone = time_zone
    instance.hours = hours
    instance.holidays = list(holidays)
    instance.extra_workdays = extra_workdays or {}
    instance.breaks = breaks or {}
    instance.is_24x7 = is_24x7
    instance.description = description
    _validate(instance)
    _normalise(instance)
    if not creating and before == snapshot(instance):
        return instance
    instance.save()
    _record(SlaConfigChange.Kind.CALENDAR, instance, "created" if creating else "updated", by=by, before=before)
    _recompute_open_tickets_on_commit()
    return instance


def _normalise(instance: BusinessCalendar) -> None:
    if instance.is_24x7:
        return  # hours and holidays are kept as entered but unused; the engine may not accept an empty week
    plain = instance.build_engine().to_description()
    instance.time_zone = str(plain["tz"])
    instance.hours = plain["hours"]
    instance.holidays = plain["holidays"]
    instance.extra_workdays = plain["extra_workdays"]
    instance.breaks = plain["breaks"]


def usual_workday_hours(hours: dict[str, Any]) -> list[list[str]]:
    """The hours a make-up workday gets: the most common non-empty Monday–Friday pattern; on a tie, the earliest
    weekday's (so a plain Mon–Fri calendar gives the Monday hours)."""
    patterns = [tuple(tuple(pair) for pair in hours.get(day) or ()) for day in WEEKDAYS_MON_TO_FRI]
    counts = Counter(p for p in patterns if p)
    if not counts:
        return []
    best = max(counts.values())
    usual = next(p for p in patterns if p and counts[p] == best)
    return [list(pair) for pair in usual]


@transaction.atomic
def import_holidays(calendar: BusinessCalendar, *, country: str, year: int, by: User | None) -> tuple[int, int]:
    """Add a country's public holidays for `year` (the `holidays` package) and, where the package lists them, its
    make-up workdays (Chinese 调休: a weekend day worked in exchange for a longer holiday) as extra working days with
    the calendar's usual weekday hours (`usual_workday_hours`). Idempotent: dates already present are left as they
    are, including make-up days whose hours were edited. Returns (holidays added, make-up workdays added)."""
    code = country.strip().upper()
    if not 1950 <= year <= 2100:
        raise InvalidInput(_("Choose a year between 1950 and 2100."), field="year")
    if calendar.is_24x7:
        raise InvalidInput(_("A 24×7 calendar has no holidays."), field="country")
    try:
        public = holiday_data.country_holidays(code, years=year)
    except NotImplementedError:
        raise InvalidInput(
            _("No public holidays are known for country code “%(code)s”; use a two-letter ISO code such as CN or DE.")
            % {"code": code},
            field="country",
        ) from None
    locked = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    holidays = set(locked.holidays)
    new_holidays = {day.isoformat() for day in public if day.year == year} - holidays
    # The package's set also carries a few make-up days of other years; keep those of the year asked for.
    makeup = sorted(day.isoformat() for day in getattr(public, "weekend_workdays", ()) if day.year == year)
    extra = dict(locked.extra_workdays)
    usual = usual_workday_hours(locked.hours)
    new_workdays = [day for day in makeup if day not in extra] if usual else []
    if not new_holidays and not new_workdays:
        return 0, 0
    save_calendar(
        by=by,
        calendar=locked,
        name=locked.name,
        time_zone=locked.time_zone,
        hours=locked.hours,
        holidays=sorted(holidays | new_holidays),
        extra_workdays={**extra, **{day: usual for day in new_workdays}},
        breaks=locked.breaks,
        is_24x7=locked.is_24x7,
        description=locked.description,
    )
    calendar.refresh_from_db()
    return len(new_holidays), len(new_workdays)


def preview(calendar: BusinessCalendar | engine.BusinessCalendar, start: date, days: int = 14) -> list[PreviewDay]:
    """Per local date from `start`: the working intervals in the calendar's zone and the working hours."""
    pure = calendar.to_engine() if isinstance(calendar, BusinessCalendar) else calendar
    return working_days(pure, start, days)


# ---------------------------------------------------------------- policies


@transaction.atomic
def save_policy(
    *,
    by: User | None,
    plan: SupportPlan | None,
    priority: int,
    first_response_minutes: int | None,
    next_response_minutes: int | None,
    resolution_minutes: int | None,
    first_response_calendar: BusinessCalendar | None = None,
    next_response_calendar: BusinessCalendar | None = None,
    resolution_calendar: BusinessCalendar | None = None,
    zone_source: str = ZoneSource.VENDOR,
    warn_at_percent: int = 75,
    reopen_restarts_resolution: bool = True,
) -> SlaPolicy:
    """Create or update the policy of `plan` (None: the fallback) and `priority`."""
    existing = SlaPolicy.objects.select_for_update().filter(plan=plan, priority=priority).order_by("pk").first()
    policy = existing or SlaPolicy(plan=plan, priority=priority)
    before = snapshot(existing) if existing else None
    policy.first_response_minutes = first_response_minutes
    policy.next_response_minutes = next_response_minutes
    policy.resolution_minutes = resolution_minutes
    policy.first_response_calendar = first_response_calendar
    policy.next_response_calendar = next_response_calendar
    policy.resolution_calendar = resolution_calendar
    policy.zone_source = zone_source
    policy.warn_at_percent = warn_at_percent
    policy.reopen_restarts_resolution = reopen_restarts_resolution
    _validate(policy)
    if before is not None and before == snapshot(policy):
        return policy
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        # Two admins creating the same cell at once: the constraint wins, the second is told plainly.
        message = _("This policy was just created by someone else; reload the page.")
        raise InvalidInput(message, field="priority") from None
    _record(SlaConfigChange.Kind.POLICY, policy, "updated" if existing else "created", by=by, before=before)
    _recompute_open_tickets_on_commit()
    return policy


def _recompute_open_tickets_on_commit() -> None:
    """Open tickets' deadlines follow a calendar or policy edit. A task, because 100,000 open tickets take seconds;
    enqueued on commit so the worker reads the saved configuration. Past SLA events are kept (append-only)."""
    transaction.on_commit(lambda: recompute_open_tickets.enqueue())


def policy_for(plan: SupportPlan | None, priority: int) -> SlaPolicy | None:
    """The plan's policy for the priority, else the fallback policy for the priority, else None. One query.

    The rule itself lives in `history.PolicyBook`, which the SLA runtime uses for whole batches."""
    plan_id = plan.pk if plan is not None else None
    return PolicyBook.load([plan_id]).model(plan_id, priority)
