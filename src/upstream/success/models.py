"""Customer success: interactions with a customer, health snapshots, playbooks and the tasks they create."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from upstream.success import health as engine
from upstream.success.playbooks import PlaybookKind as Kinds

# The longest call or meeting worth logging; anything longer is a typo (minutes typed as seconds).
MAX_DURATION_MINUTES = 24 * 60


class InteractionKind(models.TextChoices):
    CALL = "call", _("Phone call")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")


class Interaction(models.Model):
    """Something the vendor's people did with a customer outside a ticket: a call, a meeting, a note."""

    organisation = models.ForeignKey(
        "customers.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="interactions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=InteractionKind.choices)
    # PROTECT: who spoke to the customer is part of the record; people leave by being deactivated, not deleted.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    happened_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    summary = models.TextField(_("summary"))
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    class Meta:
        ordering = ["-happened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="interaction_duration_range",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "happened_at", "id"], name="interaction_org_time")]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_at:%Y-%m-%d}"


def _weight_field(label: Any, default: int) -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(engine.MAX_WEIGHT)], help_text=_("0 leaves it out")
    )


W = engine.DEFAULT_WEIGHTS
F = engine.Factor


class HealthSettings(models.Model):
    """One row (id 1): how much each factor counts. Weights are relative; the score divides by their sum."""

    weight_ticket_trend = _weight_field(_("weight: ticket volume trend"), W[F.TICKET_TREND])
    weight_open_urgent = _weight_field(_("weight: open P1/P2 tickets"), W[F.OPEN_URGENT])
    weight_sla_breaches = _weight_field(_("weight: SLA breaches"), W[F.SLA_BREACHES])
    weight_csat = _weight_field(_("weight: CSAT"), W[F.CSAT])
    weight_nps = _weight_field(_("weight: NPS"), W[F.NPS])
    weight_last_interaction = _weight_field(_("weight: days since the last interaction"), W[F.LAST_INTERACTION])
    weight_renewal = _weight_field(_("weight: days to renewal"), W[F.RENEWAL])
    weight_hours_used = _weight_field(_("weight: consulting hours used"), W[F.HOURS_USED])
    risk_threshold = models.PositiveSmallIntegerField(
        _("at risk below"),
        default=engine.DEFAULT_RISK_THRESHOLD,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("organisations scoring below this appear on the risk list"),
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="health_settings_singleton")]
        verbose_name = _("health score settings")
        verbose_name_plural = _("health score settings")

    def __str__(self) -> str:
        return str(_("health score settings"))

    @classmethod
    def current(cls) -> HealthSettings:
        row, _created = cls.objects.get_or_create(id=1)
        return row

    def weights(self) -> dict[engine.Factor, int]:
        return {factor: int(getattr(self, f"weight_{factor.value}")) for factor in engine.Factor}

    def clean(self) -> None:
        super().clean()
        try:
            engine.check_weights(self.weights())
        except ValueError:
            raise ValidationError(_("At least one weight must be more than zero.")) from None


class HealthSnapshot(models.Model):
    """An organisation's health on one day. One per organisation per day: recomputing the same day replaces it."""

    organisation = models.ForeignKey(
        "customers.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="health_snapshots",
    )
    computed_on = models.DateField(_("day"))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    factors = models.JSONField(_("factors"), default=dict)
    # Denormalised from the factors, so the overview sorts and filters on columns.
    previous_score = models.PositiveSmallIntegerField(_("previous score"), null=True, blank=True)
    last_interaction_at = models.DateTimeField(_("last interaction"), null=True, blank=True)
    renewal_on = models.DateField(_("renewal"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["organisation", "-computed_on"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "computed_on"], name="health_snapshot_once_a_day"),
            models.CheckConstraint(condition=Q(score__lte=100), name="health_snapshot_score_0_100"),
        ]
        indexes = [models.Index(fields=["computed_on", "score"], name="health_snapshot_day_score")]
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.computed_on}: {self.score}"


class PlaybookKind(models.TextChoices):
    NO_INTERACTION = Kinds.NO_INTERACTION.value, _("No interaction for N days")
    RENEWAL = Kinds.RENEWAL.value, _("Renewal in N days")
    HEALTH_BELOW = Kinds.HEALTH_BELOW.value, _("Health fell below X")


class Playbook(models.Model):
    """A rule the daily run evaluates for every organisation; when it matches, the account manager gets a task."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=PlaybookKind.choices)
    parameter = models.PositiveIntegerField(
        _("parameter"), help_text=_("N days (no interaction, renewal) or the score threshold X (health)")
    )
    due_in_days = models.PositiveSmallIntegerField(
        _("due in (days)"), default=7, validators=[MaxValueValidator(365)], help_text=_("after the task is created")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "-parameter"]
        constraints = [models.UniqueConstraint(fields=["kind", "parameter"], name="playbook_kind_parameter_once")]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            low, high = Kinds(self.kind).parameter_range()
        except ValueError:
            return  # the kind field reports its own error
        if self.parameter is not None and not low <= self.parameter <= high:
            raise ValidationError({"parameter": _("Between %(low)s and %(high)s.") % {"low": low, "high": high}})


class TaskSource(models.TextChoices):
    """Where a task came from: a playbook's kind, or the follow-up date of a logged interaction."""

    NO_INTERACTION = Kinds.NO_INTERACTION.value, _("No interaction")
    RENEWAL = Kinds.RENEWAL.value, _("Renewal")
    HEALTH_BELOW = Kinds.HEALTH_BELOW.value, _("Health")
    FOLLOW_UP = "follow_up", _("Follow-up")


class SuccessTask(models.Model):
    """Something an account manager should do for a customer, by a date."""

    organisation = models.ForeignKey(
        "customers.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="success_tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="success_tasks"
    )
    playbook = models.CharField(_("source"), max_length=20, choices=TaskSource.choices)
    rule = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, null=True, blank=True, related_name="follow_up_tasks"
    )
    # What makes a task unique: a playbook fires once per organisation and period (see playbooks.py).
    period_key = models.CharField(max_length=80)
    title = models.CharField(_("title"), max_length=250)
    due_on = models.DateField(_("due"))
    created_at = models.DateTimeField(_("created"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "playbook", "period_key"], name="success_task_once"),
        ]
        indexes = [
            models.Index(fields=["assignee", "due_on", "id"], condition=Q(done_at__isnull=True), name="task_open_mine"),
            models.Index(
                fields=["due_on"], condition=Q(done_at__isnull=True, reminded_at__isnull=True), name="task_due"
            ),
        ]
        verbose_name = _("success task")
        verbose_name_plural = _("success tasks")

    def __str__(self) -> str:
        return self.title
