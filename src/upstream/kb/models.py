"""Knowledge-base articles: categories, articles with their revisions, readers' feedback.

Every change goes through `kb.services` (workflow, revisions, counters, re-indexing); who may read what is decided in
`kb.queries`. `body_html` is derived from `body_markdown` by `kb.markdown.render` on every save and is safe to show.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from upstream.core.models import TimeStampedModel
from upstream.customers.models import Product, ProductVersion


class Language(models.TextChoices):
    # Stored as Django language codes so they compare directly with request.LANGUAGE_CODE.
    CHINESE = "zh-hans", _("Simplified Chinese")
    ENGLISH = "en", _("English")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    CUSTOMERS = "customers", _("Customers only")
    INTERNAL = "internal", _("Internal")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class Category(models.Model):
    """A shelf of articles. Named in both UI languages so one category tree serves both."""

    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name_en"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active interface language."""
        return self.name_in(get_language() or "en")

    def name_in(self, language: str) -> str:
        if language.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name_en


class Article(TimeStampedModel):
    # Translations share one group id; a group holds at most one article per language.
    translation_group = models.UUIDField(_("translation group"), default=uuid.uuid4, db_index=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, allow_unicode=True, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body_markdown = models.TextField(_("body (Markdown)"), blank=True)
    body_html = models.TextField(_("body (rendered)"), blank=True, editable=False)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True, related_name="kb_articles")
    versions = models.ManyToManyField(
        ProductVersion, verbose_name=_("versions"), blank=True, related_name="kb_articles"
    )
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.CUSTOMERS
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="kb_articles",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_reviews",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    # "Create an article from a ticket" remembers where the knowledge came from (the ticket may be deleted later).
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("source ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_articles",
    )
    related = models.ManyToManyField("self", verbose_name=_("related articles"), blank=True, symmetrical=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["translation_group", "language"], name="kb_one_article_per_language"),
        ]
        indexes = [
            # The portal lists published articles of a visibility and language, newest first.
            models.Index(
                fields=["language", "visibility", "-published_at", "-id"],
                name="kb_published_list",
                condition=Q(status="published"),
            ),
            models.Index(fields=["status", "-updated_at", "-id"], name="kb_manage_list"),
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The readable portal address, /kb/42-reset-a-keycloak-password/ (the slug is decoration; the id decides)."""
        return reverse("kb:article", kwargs={"article_id": self.pk, "slug": self.slug or "article"})

    def manage_url(self) -> str:
        return reverse("kb:edit", kwargs={"article_id": self.pk})

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class ArticleRevision(models.Model):
    """The article's content as one save left it; numbered 1, 2, 3 … per article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body_markdown = models.TextField(_("body (Markdown)"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_revision_number_unique")]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class ArticleFeedback(models.Model):
    """One reader's vote on one article: a signed-in user votes once, an anonymous reader once per session."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True
    )
    session_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=Q(user__isnull=False), name="kb_feedback_once_per_user"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True) & ~Q(session_key=""),
                name="kb_feedback_once_per_session",
            ),
        ]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"
