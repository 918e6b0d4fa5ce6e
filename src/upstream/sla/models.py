"""Stored SLA configuration: business calendars, policies per plan × priority, escalation steps, a change log.

Calendars and policies are referenced by tickets' SLA records (added with detection), so they are PROTECTed from
deletion: a later model keeps `models.ForeignKey("sla.SlaPolicy", on_delete=models.PROTECT)` and
`models.ForeignKey("sla.BusinessCalendar", on_delete=models.PROTECT)`, and edits are recorded in `SlaConfigChange`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from upstream.core.models import TimeStampedModel
from upstream.customers.models import Priority
from upstream.sla import calendar as engine


class BusinessCalendar(TimeStampedModel):
    """A stored business calendar; `to_engine()` gives the pure `upstream.sla.calendar.BusinessCalendar`."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    hours = models.JSONField(
        _("working hours"),
        default=dict,
        blank=True,
        help_text=_('working intervals per weekday, e.g. {"mon": [["09:00", "12:00"], ["13:30", "18:00"]]}'),
    )
    holidays = models.JSONField(_("holidays"), default=list, blank=True, help_text=_("dates without working time"))
    extra_workdays = models.JSONField(
        _("extra working days"),
        default=dict,
        blank=True,
        help_text=_("dates with their own working hours, e.g. Chinese make-up workdays (调休)"),
    )
    breaks = models.JSONField(
        _("breaks"), default=dict, blank=True, help_text=_("one-off non-working intervals on a date")
    )
    is_24x7 = models.BooleanField(_("around the clock (24×7)"), default=False)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def engine_description(self) -> dict[str, Any]:
        """The plain form the pure engine reads (docs/sla.md)."""
        return {
            "tz": self.time_zone,
            "hours": self.hours,
            "holidays": self.holidays,
            "extra_workdays": self.extra_workdays,
            "breaks": self.breaks,
        }

    def build_engine(self, time_zone: str | None = None) -> engine.BusinessCalendar:
        """Build without the cache (raises CalendarError). A 24×7 calendar ignores hours and holidays.
        `time_zone` reads the same wall-clock hours in another zone (a policy in the customer's time zone)."""
        zone = time_zone or self.time_zone
        if self.is_24x7:
            return engine.BusinessCalendar.around_the_clock(engine.load_zone(zone).key)
        return engine.BusinessCalendar.from_description({**self.engine_description(), "tz": zone})

    def to_engine(self, time_zone: str | None = None) -> engine.BusinessCalendar:
        """The pure calendar, built once per saved version (and zone) in this process: building costs about half a
        millisecond and deadline computation asks for it per ticket."""
        zone = time_zone or self.time_zone
        if self.pk is None or self.updated_at is None:
            return self.build_engine(zone)
        return _engine_cache.get((self.pk, zone), self.updated_at, lambda: self.build_engine(zone))

    def clean(self) -> None:
        super().clean()
        try:
            self.build_engine()
        except engine.CalendarError as exc:
            raise ValidationError({model_field(exc.field): detail(exc)}) from None


def model_field(engine_field: str) -> str:
    """The model field a CalendarError names: "tz" → time_zone, "hours.mon[1]" → hours, "holidays[2]" → holidays."""
    head = engine_field.split(".", 1)[0].split("[", 1)[0]
    if head == "tz":
        return "time_zone"
    if head in {"hours", "holidays", "extra_workdays", "breaks"}:
        return head
    return "hours" if head == "calendar" else "__all__"


def detail(exc: engine.CalendarError) -> str:
    """The engine's message, keeping the precise part ("hours.mon[1]: …") where the field is more than a name."""
    return exc.message if exc.field == "tz" else f"{exc.field}: {exc.message}"


class _EngineCache:
    """Built engines keyed by (calendar id, time zone), valid while the row's updated_at is unchanged. Per process,
    bounded; an entry is replaced, never mutated, so concurrent readers need no lock."""

    LIMIT = 1024

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], tuple[datetime, engine.BusinessCalendar]] = {}

    def get(self, key: tuple[int, str], version: datetime, build: Any) -> engine.BusinessCalendar:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        built = build()
        if len(self._entries) >= self.LIMIT:
            self._entries.clear()
        self._entries[key] = (version, built)
        return built

    def clear(self) -> None:
        self._entries.clear()


_engine_cache = _EngineCache()


class ZoneSource(models.TextChoices):
    VENDOR = "vendor", _("Calendar's time zone")
    CUSTOMER = "customer", _("Customer organisation's time zone")


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


TARGET_FIELDS = {
    Metric.FIRST_RESPONSE: "first_response_minutes",
    Metric.NEXT_RESPONSE: "next_response_minutes",
    Metric.RESOLUTION: "resolution_minutes",
}
CALENDAR_FIELDS = {
    Metric.FIRST_RESPONSE: "first_response_calendar",
    Metric.NEXT_RESPONSE: "next_response_calendar",
    Metric.RESOLUTION: "resolution_calendar",
}


_NO_TARGET = _("in minutes; empty means no target")
_AROUND_THE_CLOCK = _("empty means around the clock (24×7)")


class SlaPolicy(TimeStampedModel):
    """Targets for one support plan and priority. `plan` empty: the fallback for tickets without an active contract."""

    plan = models.ForeignKey(
        "customers.SupportPlan",
        verbose_name=_("support plan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_policies",
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        _("first response target"), null=True, blank=True, help_text=_NO_TARGET
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response target"), null=True, blank=True, help_text=_NO_TARGET
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution target"), null=True, blank=True, help_text=_NO_TARGET
    )
    first_response_calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("first response calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_AROUND_THE_CLOCK,
    )
    next_response_calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("next response calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_AROUND_THE_CLOCK,
    )
    resolution_calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("resolution calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_AROUND_THE_CLOCK,
    )
    zone_source = models.CharField(
        _("time zone of the hours"),
        max_length=16,
        choices=ZoneSource.choices,
        default=ZoneSource.VENDOR,
        help_text=_("the customer's zone applies the calendar's working hours at the customer's local times"),
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warning threshold (percent of target)"),
        default=75,
        help_text=_("a warning once this share of a target has elapsed"),
    )
    reopen_restarts_resolution = models.BooleanField(_("reopening restarts the resolution clock"), default=True)

    class Meta:
        ordering = ["plan__name", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="sla_policy_unique_plan_priority"),
            # NULLs are distinct in a unique index, so the fallback (plan IS NULL) needs its own partial index.
            models.UniqueConstraint(
                fields=["priority"], condition=Q(plan__isnull=True), name="sla_policy_one_fallback_per_priority"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": 0}),
                    name=f"sla_policy_{field}_positive",
                )
                for field in TARGET_FIELDS.values()
            ],
            models.CheckConstraint(
                condition=Q(warn_at_percent__gte=1, warn_at_percent__lte=99), name="sla_policy_warn_at_1_to_99"
            ),
        ]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        plan = self.plan.name if self.plan_id else _("Fallback")  # type: ignore[union-attr]
        return f"{plan} · {self.get_priority_display()}"

    @property
    def is_fallback(self) -> bool:
        return self.plan_id is None

    def target_minutes(self, metric: str) -> int | None:
        value: int | None = getattr(self, TARGET_FIELDS[Metric(metric)])
        return value

    def calendar_for(self, metric: str) -> BusinessCalendar | None:
        """The metric's calendar; None means 24×7."""
        value: BusinessCalendar | None = getattr(self, CALENDAR_FIELDS[Metric(metric)])
        return value

    def engine_for(self, metric: str, *, customer_time_zone: str) -> engine.BusinessCalendar:
        """The pure calendar a metric counts on for a ticket of an organisation in `customer_time_zone`: the metric's
        calendar in its own zone (vendor) or its hours read in the customer's zone (customer); 24×7 without one."""
        calendar = self.calendar_for(metric)
        if calendar is None:
            zone = customer_time_zone if self.zone_source == ZoneSource.CUSTOMER else "UTC"
            return engine.BusinessCalendar.around_the_clock(engine.load_zone(zone).key)
        if self.zone_source == ZoneSource.CUSTOMER:
            return calendar.to_engine(customer_time_zone)
        return calendar.to_engine()

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        for field in TARGET_FIELDS.values():
            value = getattr(self, field)
            if value is not None and value <= 0:
                errors[field] = str(_("A target must be more than zero minutes; leave it empty for no target."))
        if not 1 <= (self.warn_at_percent or 0) <= 99:
            errors["warn_at_percent"] = str(_("The warning threshold must be between 1 and 99 percent."))
        if self.plan_id is None and self.priority:
            clash = SlaPolicy.objects.filter(plan__isnull=True, priority=self.priority).exclude(pk=self.pk)
            if clash.exists():
                errors["priority"] = str(_("There is already a fallback policy for this priority."))
        if errors:
            raise ValidationError(errors)


class Trigger(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class EscalationAction(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", _("Notify the assignee")
    NOTIFY_TEAM_LEAD = "notify_team_lead", _("Notify the team lead")
    RAISE_TIER = "raise_tier", _("Raise the tier")
    MOVE_TO_TEAM = "move_to_team", _("Move to a team")


class EscalationStep(models.Model):
    """What happens when a policy's metric reaches its warning or breach; run by SLA detection."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalation_steps")
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    action = models.CharField(_("action"), max_length=24, choices=EscalationAction.choices)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("required for “move to a team”"),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["policy", "metric", "trigger", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="move_to_team") | Q(team__isnull=False), name="sla_escalation_move_needs_team"
            ),
        ]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.get_trigger_display()}: {self.get_action_display()}"

    def clean(self) -> None:
        super().clean()
        if self.action == EscalationAction.MOVE_TO_TEAM and self.team_id is None:
            raise ValidationError({"team": _("Choose the team to move the ticket to.")})


class SlaConfigChange(models.Model):
    """One change to a calendar or policy: who, when, the stored values before and after."""

    class Kind(models.TextChoices):
        CALENDAR = "calendar", _("Business calendar")
        POLICY = "policy", _("SLA policy")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(_("action"), max_length=32)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "object_id", "created_at"], name="sla_change_object_time")]
        verbose_name = _("SLA configuration change")
        verbose_name_plural = _("SLA configuration changes")

    def __str__(self) -> str:
        return f"{self.object_repr}: {self.action}"


# ---------------------------------------------------------------- a ticket's SLA at run time


class SlaEventKind(models.TextChoices):
    APPLIED = "applied", _("Policy applied")
    WARNED = "warned", _("Warning")
    BREACHED = "breached", _("Breached")
    FULFILLED = "fulfilled", _("Fulfilled")
    PAUSED = "paused", _("Paused")
    RESUMED = "resumed", _("Resumed")


_HAS_WARNING = Q(next_warn_at__isnull=False)
_HAS_BREACH = Q(next_breach_at__isnull=False)


class TicketSla(models.Model):
    """A ticket's current SLA, as last computed from its history (`upstream.sla.runtime.recompute`).

    `metrics` holds per metric {state, due_at, warn_at, started_at, paused_since, fulfilled_at, breached, warned,
    breach_notified}: a snapshot for display, and the record of which warnings and breaches of the current cycles have
    been notified. `next_warn_at` / `next_breach_at` are the earliest instants not yet notified among running cycles:
    the deadline scan reads them through partial indexes (most rows hold NULL) and claims a row by a conditional
    update on `version`, which every write bumps.
    """

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="sla")
    # PROTECT: a policy that measured a ticket cannot vanish under its record (docs/sla.md, "History is never lost").
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    metrics = models.JSONField(_("metrics"), default=dict)
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    next_due_warn_at = models.DateTimeField(_("warning of the next deadline"), null=True, blank=True)
    next_warn_at = models.DateTimeField(_("next warning to notify"), null=True, blank=True)
    next_breach_at = models.DateTimeField(_("next breach to notify"), null=True, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    computed_at = models.DateTimeField(_("computed"))
    version = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["next_warn_at"], condition=_HAS_WARNING, name="sla_ticket_next_warn"),
            models.Index(fields=["next_breach_at"], condition=_HAS_BREACH, name="sla_ticket_next_breach"),
        ]
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")

    def __str__(self) -> str:
        return f"SLA of ticket {self.ticket_id}"


class SlaEvent(models.Model):
    """Append-only SLA history of a ticket: never updated or deleted by a recompute, so a policy or calendar change
    keeps what happened before it. `cycle_start` tells which cycle of the metric (next response has one per customer
    message); the unique constraint makes recording idempotent under retries and concurrent recomputes."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_events")
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SlaEventKind.choices)
    at = models.DateTimeField(_("time"))
    cycle_start = models.DateTimeField(_("cycle started"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "metric", "kind", "cycle_start", "at"], name="sla_event_once")
        ]
        indexes = [
            models.Index(fields=["ticket", "at"], name="sla_event_ticket_time"),
            models.Index(fields=["at"], name="sla_event_time"),
        ]
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")

    def __str__(self) -> str:
        return f"{self.metric or 'policy'} {self.kind} at {self.at:%Y-%m-%d %H:%M}"
