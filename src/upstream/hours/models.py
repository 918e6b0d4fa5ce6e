"""Consulting-hour bank: time logged on tickets draws down the entitling contract's prepaid hours."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimeEntry(models.Model):
    """Time someone spent on a ticket. Billable entries on a ticket with a contract draw down its prepaid hours."""

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="time_entries"
    )
    # Copied from the ticket when logged: the bank drawn down stays the same if the ticket's contract changes later.
    contract = models.ForeignKey(
        "customers.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="time_entries"
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    billable = models.BooleanField(_("billable"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    worked_on = models.DateField(_("worked on"))
    # The part of `minutes` beyond the contract's prepaid hours, maintained under a lock on the contract row.
    overage_minutes = models.PositiveIntegerField(_("overage minutes"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["worked_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="time_entry_minutes_positive"),
            models.CheckConstraint(
                condition=Q(overage_minutes__lte=models.F("minutes")), name="time_entry_overage_within_minutes"
            ),
        ]
        indexes = [
            models.Index(fields=["contract", "worked_on"], name="time_entry_contract_day"),
            models.Index(fields=["ticket", "worked_on"], name="time_entry_ticket_day"),
        ]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")

    def __str__(self) -> str:
        return f"{self.minutes} min on #{self.ticket_id}"


class Threshold(models.IntegerChoices):
    # xgettext:no-python-format
    EIGHTY = 80, _("80% used")
    # xgettext:no-python-format
    HUNDRED = 100, _("100% used")


class HoursAlert(models.Model):
    """A threshold of a contract's prepaid hours was crossed; sent once per contract and threshold."""

    contract = models.ForeignKey(
        "customers.Contract", verbose_name=_("contract"), on_delete=models.CASCADE, related_name="hours_alerts"
    )
    threshold = models.PositiveSmallIntegerField(_("threshold"), choices=Threshold.choices)
    used_minutes = models.PositiveIntegerField(_("used minutes"))
    prepaid_minutes = models.PositiveIntegerField(_("prepaid minutes"))
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        ordering = ["contract", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "threshold"], name="hours_alert_once_per_threshold"),
        ]
        verbose_name = _("hours alert")
        verbose_name_plural = _("hours alerts")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.threshold}%"


class Statement(models.Model):
    """A contract's monthly statement as sent: the figures are frozen when it is issued."""

    contract = models.ForeignKey(
        "customers.Contract", verbose_name=_("contract"), on_delete=models.CASCADE, related_name="hours_statements"
    )
    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    opening_minutes = models.IntegerField(_("opening balance (minutes)"))
    billable_minutes = models.PositiveIntegerField(_("billable minutes"))
    non_billable_minutes = models.PositiveIntegerField(_("non-billable minutes"))
    overage_minutes = models.PositiveIntegerField(_("overage minutes"))
    closing_minutes = models.IntegerField(_("closing balance (minutes)"))
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        ordering = ["-month", "contract"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="hours_statement_once_per_month"),
        ]
        verbose_name = _("hours statement")
        verbose_name_plural = _("hours statements")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.month:%Y-%m}"
