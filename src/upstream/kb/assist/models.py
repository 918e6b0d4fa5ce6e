"""The answer bot's settings and offers, and deflections (a question answered by an article before a ticket)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from upstream.customers.models import Channel

DEFAULT_BOT_CHANNELS = [Channel.PORTAL, Channel.EMAIL]


class AnswerBotSettings(models.Model):
    """One row (id 1): where the bot answers and how sure it must be."""

    enabled = models.BooleanField(_("answer new tickets with articles"), default=True)
    channels = models.JSONField(_("channels"), default=list, help_text=_("empty: portal and email"))
    plans = models.ManyToManyField(
        "customers.SupportPlan", verbose_name=_("only for these plans"), blank=True, related_name="+",
        help_text=_("empty: every plan, and tickets without a contract"),
    )  # fmt: skip
    min_confidence = models.FloatField(
        _("minimum confidence"), default=0.5, help_text=_("0–1; below this the bot stays silent")
    )
    max_articles = models.PositiveSmallIntegerField(_("articles offered"), default=3)

    class Meta:
        verbose_name = _("answer bot settings")
        verbose_name_plural = _("answer bot settings")

    def __str__(self) -> str:
        return "answer bot"

    @classmethod
    def current(cls) -> AnswerBotSettings:
        settings, _created = cls.objects.get_or_create(id=1)
        return settings

    def bot_channels(self) -> list[str]:
        return list(self.channels) or list(DEFAULT_BOT_CHANNELS)


class Outcome(models.TextChoices):
    OPEN = "open", _("No answer yet")
    SOLVED = "solved", _("Answered the question")
    NEEDS_HELP = "needs_help", _("Still needs help")


class BotOffer(models.Model):
    """Articles the bot offered on a ticket, and what the customer said. The link token is single-use."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="bot_offer")
    message = models.ForeignKey("tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    article_ids = models.JSONField(default=list)
    confidence = models.FloatField()
    nonce = models.CharField(max_length=32, unique=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.OPEN)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer bot offer")
        verbose_name_plural = _("answer bot offers")

    def __str__(self) -> str:
        return f"offer on {self.ticket_id}: {self.outcome}"


class Deflection(models.Model):
    """ "This solved my problem" on a suggested article: a question answered without a ticket."""

    article = models.ForeignKey("kb.Article", on_delete=models.SET_NULL, null=True, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    question = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")

    def __str__(self) -> str:
        return f"deflected by {self.article_id}"
