"""Analytics: one narrow fact row per ticket, kept up to date from ticket events, plus bookkeeping.

`TicketFact` holds exactly what the dashboards, the portal view, the API and the weekly report read: the ticket's
dimensions, its timestamps, its response and resolution times (wall-clock and business), the SLA engine's verdicts,
how often it was reopened and its CSAT answer. Every column is derived from other tables by
`upstream.analytics.maintenance` (docs/analytics.md gives the SQL), so the table can be rebuilt at any time.

Dimension columns are plain ids (no foreign-key constraint): the fact table must never block deleting a user or a
team, and a refresh rewrites the row anyway.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Verdict(models.IntegerChoices):
    BREACHED = 0, _("Breached")
    MET = 1, _("Met")


def _dimension(model: str, label: Any) -> models.ForeignKey[models.Model, models.Model]:
    return models.ForeignKey(
        model,
        verbose_name=label,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )


class TicketFact(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="analytics_fact"
    )
    created_at = models.DateTimeField(_("created"))
    first_responded_at = models.DateTimeField(_("first responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20)
    is_active = models.BooleanField(_("active"))
    team = _dimension("accounts.Team", _("team"))
    assignee = _dimension(settings.AUTH_USER_MODEL, _("agent"))
    organisation = _dimension("customers.Organisation", _("organisation"))
    plan = _dimension("customers.SupportPlan", _("support plan"))
    product = _dimension("customers.Product", _("product"))
    channel = models.CharField(_("channel"), max_length=20)
    category = models.CharField(_("category"), max_length=20)
    priority = models.PositiveSmallIntegerField(_("priority"))
    # Whole seconds; NULL until the event happened.
    first_response_seconds = models.BigIntegerField(null=True, blank=True)
    first_response_business_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_business_seconds = models.BigIntegerField(null=True, blank=True)
    # The SLA engine's verdict on the ticket's current cycle of each metric (NULL: not decided or no target).
    sla_first_response = models.PositiveSmallIntegerField(choices=Verdict.choices, null=True, blank=True)
    sla_next_response = models.PositiveSmallIntegerField(choices=Verdict.choices, null=True, blank=True)
    sla_resolution = models.PositiveSmallIntegerField(choices=Verdict.choices, null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    csat_score = models.PositiveSmallIntegerField(null=True, blank=True)
    csat_answered_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ticket fact")
        verbose_name_plural = _("ticket facts")
        indexes = [
            # Tickets created in a range (the cohort every dashboard reads), optionally per dimension.
            models.Index(fields=["created_at"], name="fact_created"),
            models.Index(fields=["team", "created_at"], name="fact_team_created"),
            models.Index(fields=["assignee", "created_at"], name="fact_agent_created"),
            models.Index(fields=["organisation", "created_at"], name="fact_org_created"),
            # Tickets resolved in a range; CSAT answers in a range; the current backlog.
            models.Index(fields=["resolved_at"], condition=Q(resolved_at__isnull=False), name="fact_resolved"),
            models.Index(
                fields=["csat_answered_at"], condition=Q(csat_answered_at__isnull=False), name="fact_csat_answered"
            ),
            models.Index(fields=["created_at"], condition=Q(is_active=True), name="fact_backlog"),
        ]

    def __str__(self) -> str:
        return f"fact of ticket {self.ticket_id}"


class MaintenanceState(models.Model):
    """The one row (pk=1) recording how far the periodic catch-up has read."""

    caught_up_to = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    # When `DayColumns` was last built in full from the facts; until then long ranges read the facts (PostgreSQL).
    days_built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("analytics maintenance state")
        verbose_name_plural = _("analytics maintenance state")

    def __str__(self) -> str:
        return f"caught up to {self.caught_up_to}"


class DayColumns(models.Model):
    """The cohort columns of one UTC day's fact rows, packed for long-range dashboards (`analytics.columns`).

    Derived from `TicketFact` only, rewritten in the same transaction as any fact write of that day."""

    day = models.DateField(primary_key=True)
    records = models.PositiveIntegerField()
    channels = models.JSONField(default=list)  # the vocabulary the records' channel codes index
    categories = models.JSONField(default=list)
    # The tickets created that day (columns.CORE_DTYPE, then their other dimensions), the CSAT answers of the day,
    # the resolutions of the day (instants, then dimensions).
    data = models.BinaryField()
    dims = models.BinaryField()
    csat = models.BinaryField()
    resolved = models.BinaryField()
    resolved_dims = models.BinaryField()

    class Meta:
        verbose_name = _("analytics day columns")
        verbose_name_plural = _("analytics day columns")

    def __str__(self) -> str:
        return f"{self.records} facts of {self.day}"


class WeeklyReport(models.Model):
    """One weekly report sent to one team lead: the unique key makes the job idempotent per week."""

    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("week starting"))
    sent_at = models.DateTimeField(_("sent"))
    summary = models.JSONField(_("figures"), default=dict)

    class Meta:
        ordering = ["-week_start", "lead_id"]
        constraints = [models.UniqueConstraint(fields=["lead", "week_start"], name="weekly_report_once")]
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")

    def __str__(self) -> str:
        return f"weekly report {self.week_start} for {self.lead_id}"
