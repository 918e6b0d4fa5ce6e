"""Customer surveys: CSAT after a resolved ticket, periodic NPS per contact, and return visits (回访).

A score counts once answered (`answered_at` / `completed_at` set). CSAT average = AVG(score) over answered
`CsatSurvey` rows; NPS = %promoters (9–10) − %detractors (0–6) over answered `NpsSurvey` rows. See docs/surveys.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from upstream.surveys import rules


class SurveySettings(models.Model):
    """The one row of survey settings (pk=1); `SurveySettings.current()` creates it with the defaults."""

    csat_enabled = models.BooleanField(_("send CSAT surveys"), default=True)
    csat_low_threshold = models.PositiveSmallIntegerField(
        _("low CSAT threshold"),
        default=2,
        validators=[MinValueValidator(rules.CSAT_MIN), MaxValueValidator(rules.CSAT_MAX - 1)],
        help_text=_("a rating at or below this notifies the team lead"),
    )
    link_expiry_days = models.PositiveSmallIntegerField(
        _("survey link expiry (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    nps_enabled = models.BooleanField(_("send NPS surveys"), default=True)
    nps_cadence_days = models.PositiveSmallIntegerField(
        _("NPS cadence (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("a contact is asked again this many days after the last NPS survey"),
    )
    nps_min_days_between = models.PositiveSmallIntegerField(
        _("minimum days between NPS surveys"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("never ask a contact more often than this, whatever the cadence"),
    )
    return_visit_after_days = models.PositiveSmallIntegerField(
        _("onboarding return visit after (days)"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(365)],
        help_text=_("a return visit is scheduled this many days after an organisation's first contract starts"),
    )
    return_visits_enabled = models.BooleanField(_("schedule onboarding return visits"), default=True)

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(_("Survey settings"))

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def current(cls) -> SurveySettings:
        row, _created = cls.objects.get_or_create(pk=1)
        return row


class CsatSurvey(models.Model):
    """One satisfaction survey per ticket, created when the ticket is first resolved."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="csat")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="csat_surveys")
    organisation = models.ForeignKey("customers.Organisation", on_delete=models.CASCADE, related_name="csat_surveys")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="csat_surveys",
        help_text=_("the assignee when the ticket was resolved"),
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="csat_surveys"
    )
    sent_at = models.DateTimeField(_("sent at"))
    score = models.PositiveSmallIntegerField(
        _("score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(rules.CSAT_MIN), MaxValueValidator(rules.CSAT_MAX)],
    )
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lead_notified_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("CSAT survey")
        verbose_name_plural = _("CSAT surveys")
        indexes = [
            models.Index(fields=["answered_at"], name="csat_answered_at"),
            models.Index(fields=["agent", "answered_at"], name="csat_agent_answered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=rules.CSAT_MIN, score__lte=rules.CSAT_MAX),
                name="csat_score_range",
            )
        ]

    def __str__(self) -> str:
        return f"CSAT #{self.ticket_id}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class NpsSurvey(models.Model):
    """A periodic 0–10 "would you recommend us" survey sent to one contact about one organisation."""

    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="nps_surveys")
    organisation = models.ForeignKey("customers.Organisation", on_delete=models.CASCADE, related_name="nps_surveys")
    sent_at = models.DateTimeField(_("sent at"))
    score = models.PositiveSmallIntegerField(
        _("score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(rules.NPS_MIN), MaxValueValidator(rules.NPS_MAX)],
    )
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("NPS survey")
        verbose_name_plural = _("NPS surveys")
        indexes = [
            models.Index(fields=["contact", "sent_at"], name="nps_contact_sent"),
            models.Index(fields=["organisation", "answered_at"], name="nps_org_answered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=rules.NPS_MIN, score__lte=rules.NPS_MAX),
                name="nps_score_range",
            )
        ]

    def __str__(self) -> str:
        return f"NPS {self.contact_id} @ {self.sent_at:%Y-%m-%d}"


class Dimension(models.TextChoices):
    CATALOGUE = "catalogue", _("Catalogue and discovery")
    PRODUCT = "product", _("Product")
    DOCUMENTATION = "documentation", _("Documentation")
    SERVICE = "service", _("Service")


class ReturnVisitQuestion(models.Model):
    """An editable return-visit question in both languages; inactive ones are no longer asked."""

    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    text_en = models.CharField(_("question (English)"), max_length=300)
    text_zh_hans = models.CharField(_("question (Simplified Chinese)"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("return-visit question")
        verbose_name_plural = _("return-visit questions")

    def __str__(self) -> str:
        return self.text_en

    def text_for(self, language: str) -> str:
        return self.text_zh_hans if language.lower().startswith("zh") and self.text_zh_hans else self.text_en


class VisitReason(models.TextChoices):
    ONBOARDING = "onboarding", _("After onboarding")
    ON_DEMAND = "on_demand", _("On demand")


class ReturnVisit(models.Model):
    """A follow-up interview with a customer over the four dimensions, answered by link or recorded by phone."""

    organisation = models.ForeignKey("customers.Organisation", on_delete=models.CASCADE, related_name="return_visits")
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="return_visits"
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="return_visits",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=VisitReason.choices)
    scheduled_for = models.DateField(_("scheduled for"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        indexes = [models.Index(fields=["organisation", "completed_at"], name="visit_org_completed")]
        constraints = [
            # The daily job schedules one onboarding visit per organisation, ever.
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(reason="onboarding"), name="one_onboarding_visit_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.scheduled_for}"


class ReturnVisitAnswer(models.Model):
    visit = models.ForeignKey(ReturnVisit, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        ReturnVisitQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    question_text = models.CharField(_("question"), max_length=300, blank=True)
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(rules.CSAT_MIN), MaxValueValidator(rules.CSAT_MAX)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["visit", "id"]
        verbose_name = _("return-visit answer")
        verbose_name_plural = _("return-visit answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=rules.CSAT_MIN, score__lte=rules.CSAT_MAX), name="visit_answer_score_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.score}"
