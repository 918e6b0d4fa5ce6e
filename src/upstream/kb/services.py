"""Every change to the knowledge base: writing articles (with a revision per content change), the review workflow,
translations, views and readers' feedback.

Workflow: draft → review → published; review → draft (rejected); published → draft (unpublished). Anything else is a
`Conflict` (409) naming the allowed next states. Only staff write; readers only count views and vote.

Search: every save, workflow step and deletion calls `schedule_reindex("article", id)` inside its transaction. The
search module enqueues the work on commit and never raises; `_reindex` guards the call once more, because an article
must save even when indexing is broken (the index catches up from `ArticleSource.all_ids()`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.core import clock
from upstream.core.errors import Conflict, Forbidden, InvalidInput
from upstream.customers.models import Product, ProductVersion
from upstream.kb import markdown
from upstream.kb.models import Article, ArticleFeedback, ArticleRevision, Category, Language, Status, Visibility

log = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_BODY = 200_000
MAX_COMMENT = 2_000
MAX_NOTE = 300
SLUG_LENGTH = 80
# Per session, the ids of articles already counted as viewed (bounded so the session stays small).
SEEN_KEY = "kb_seen"
SEEN_LIMIT = 200

TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.REVIEW,),
    Status.REVIEW: (Status.PUBLISHED, Status.DRAFT),
    Status.PUBLISHED: (Status.DRAFT,),
}


@dataclass
class ArticleFields:
    """What a create or an update sets. None leaves a field as it is; `clear_category` removes the category."""

    title: str | None = None
    summary: str | None = None
    body_markdown: str | None = None
    language: str | None = None
    visibility: str | None = None
    category: Category | None = None
    clear_category: bool = False
    products: Sequence[Product] | None = None
    versions: Sequence[ProductVersion] | None = None
    related: Sequence[Article] | None = None


# --- validation ---------------------------------------------------------------------------------------------------


def _require_staff(by: User) -> None:
    if not by.is_staff_member:
        raise Forbidden("only support staff write knowledge-base articles")


def _one_line(value: str, field: str, limit: int, *, required: bool) -> str:
    # Titles and summaries are single lines: newlines and runs of spaces (pasted text) collapse to one space.
    cleaned = " ".join(value.split())
    if required and not cleaned:
        raise InvalidInput(f"the {field} is empty", field=field)
    if len(cleaned) > limit:
        raise InvalidInput(f"the {field} is longer than {limit} characters", field=field)
    return cleaned


def _check_body(body: str) -> str:
    if len(body) > MAX_BODY:
        raise InvalidInput(f"the body is longer than {MAX_BODY} characters", field="body_markdown")
    return body.replace("\r\n", "\n")


def _check_choice(value: str, choices: Sequence[str], field: str) -> str:
    if value not in choices:
        raise InvalidInput(f"unknown {field} {value!r}; expected one of " + ", ".join(choices), field=field)
    return value


def _check_versions(products: Sequence[Product], versions: Sequence[ProductVersion]) -> None:
    product_ids = {p.id for p in products}
    stray = [v for v in versions if v.product_id not in product_ids]
    if stray:
        raise InvalidInput(
            "versions must belong to the article's products: " + ", ".join(str(v.id) for v in stray), field="versions"
        )


def _check_language_free(group: Any, language: str, *, except_id: int | None = None) -> None:
    taken = Article.objects.filter(translation_group=group, language=language)
    if except_id is not None:
        taken = taken.exclude(id=except_id)
    if taken.exists():
        raise Conflict(f"this article already has a {language} translation", field="language")


def make_slug(title: str) -> str:
    """A readable URL part: Latin words lower-cased and hyphenated, Chinese kept as it is (browsers show it)."""
    # Markup typed into a title is shown as text, but has no place in an address.
    return slugify(strip_tags(title), allow_unicode=True)[:SLUG_LENGTH].strip("-_") or "article"


def _reindex(article_id: int) -> None:
    try:
        from upstream.kb.search.index import schedule_reindex

        schedule_reindex("article", article_id)
    except Exception:
        # Saving an article never fails because indexing failed; the index is rebuilt from all_ids() later.
        log.warning("could not schedule re-indexing of article %s", article_id, exc_info=True)


def _lock(article: Article) -> Article:
    return Article.objects.select_for_update().get(id=article.id)


def _add_revision(article: Article, by: User, note: str) -> ArticleRevision:
    last = article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return ArticleRevision.objects.create(
        article=article,
        number=last + 1,
        title=article.title,
        summary=article.summary,
        body_markdown=article.body_markdown,
        author=by,
        note=_one_line(note, "note", MAX_NOTE, required=False),
    )


def _apply_relations(article: Article, fields: ArticleFields) -> None:
    products = list(fields.products) if fields.products is not None else list(article.products.all())
    versions = list(fields.versions) if fields.versions is not None else None
    if versions is not None or fields.products is not None:
        _check_versions(products, versions if versions is not None else list(article.versions.all()))
    if fields.products is not None:
        article.products.set(products)
    if versions is not None:
        article.versions.set(versions)
    if fields.related is not None:
        article.related.set([other for other in fields.related if other.id != article.id])


# --- writing ------------------------------------------------------------------------------------------------------


@transaction.atomic
def create_article(
    *,
    by: User,
    fields: ArticleFields,
    translation_of: Article | None = None,
    source_ticket: Any = None,
    note: str = "",
) -> Article:
    """A new draft with revision 1. `translation_of` links it to that article's translations (one per language)."""
    _require_staff(by)
    title = _one_line(fields.title or "", "title", MAX_TITLE, required=True)
    language = _check_choice(fields.language or Language.ENGLISH, Language.values, "language")
    article = Article(
        title=title,
        slug=make_slug(title),
        summary=_one_line(fields.summary or "", "summary", MAX_SUMMARY, required=False),
        body_markdown=_check_body(fields.body_markdown or ""),
        language=language,
        visibility=_check_choice(fields.visibility or Visibility.CUSTOMERS, Visibility.values, "visibility"),
        category=None if fields.clear_category else fields.category,
        author=by,
        source_ticket=source_ticket,
    )
    if translation_of is not None:
        _check_language_free(translation_of.translation_group, language)
        article.translation_group = translation_of.translation_group
    article.body_html = markdown.render(article.body_markdown)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        # Two translations into the same language created at once: the unique constraint decides.
        raise Conflict(f"this article already has a {language} translation", field="language") from None
    _apply_relations(article, fields)
    _add_revision(article, by, note)
    _reindex(article.id)
    return article


@transaction.atomic
def update_article(*, by: User, article: Article, fields: ArticleFields, note: str = "") -> Article:
    """Change what `fields` sets. A change of title, summary or body writes a new revision; a published article stays
    published (its revision history shows what changed) and is re-indexed."""
    _require_staff(by)
    locked = _lock(article)
    before = (locked.title, locked.summary, locked.body_markdown)
    if fields.title is not None:
        locked.title = _one_line(fields.title, "title", MAX_TITLE, required=True)
        locked.slug = make_slug(locked.title)
    if fields.summary is not None:
        locked.summary = _one_line(fields.summary, "summary", MAX_SUMMARY, required=False)
    if fields.body_markdown is not None:
        locked.body_markdown = _check_body(fields.body_markdown)
        locked.body_html = markdown.render(locked.body_markdown)
    if fields.language is not None and fields.language != locked.language:
        locked.language = _check_choice(fields.language, Language.values, "language")
        _check_language_free(locked.translation_group, locked.language, except_id=locked.id)
    if fields.visibility is not None:
        locked.visibility = _check_choice(fields.visibility, Visibility.values, "visibility")
    if fields.clear_category:
        locked.category = None
    elif fields.category is not None:
        locked.category = fields.category
    locked.save()
    _apply_relations(locked, fields)
    if (locked.title, locked.summary, locked.body_markdown) != before:
        _add_revision(locked, by, note)
    _reindex(locked.id)
    return locked


@transaction.atomic
def delete_article(*, by: User, article: Article) -> None:
    _require_staff(by)
    article_id = article.id
    article.delete()
    _reindex(article_id)


# --- workflow -----------------------------------------------------------------------------------------------------


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def _transition(by: User, article: Article, target: str) -> Article:
    _require_staff(by)
    locked = _lock(article)
    allowed = allowed_next(locked.status)
    if target not in allowed:
        labels = ", ".join(str(Status(s).label) for s in allowed) or "—"
        raise Conflict(
            _("An article that is %(current)s cannot become %(target)s. Allowed next: %(allowed)s.")
            % {"current": Status(locked.status).label, "target": Status(target).label, "allowed": labels},
            field="status",
        )
    locked.status = target
    return locked


@transaction.atomic
def submit_for_review(*, by: User, article: Article) -> Article:
    locked = _transition(by, article, Status.REVIEW)
    if not locked.title.strip() or not locked.body_markdown.strip():
        raise InvalidInput("an article needs a title and a body before review", field="body_markdown")
    locked.save(update_fields=["status", "updated_at"])
    _reindex(locked.id)
    return locked


@transaction.atomic
def publish(*, by: User, article: Article) -> Article:
    """Publish a reviewed article; the reviewer is whoever publishes it."""
    locked = _transition(by, article, Status.PUBLISHED)
    locked.reviewer = by
    locked.published_at = clock.now()
    locked.save(update_fields=["status", "reviewer", "published_at", "updated_at"])
    _reindex(locked.id)
    return locked


@transaction.atomic
def reject(*, by: User, article: Article, note: str = "") -> Article:
    """Send an article in review back to its author as a draft (the note goes into the revision history)."""
    locked = _transition(by, article, Status.DRAFT)
    locked.save(update_fields=["status", "updated_at"])
    if note.strip():
        _add_revision(locked, by, _("Returned for changes: %(note)s") % {"note": note.strip()})
    _reindex(locked.id)
    return locked


@transaction.atomic
def unpublish(*, by: User, article: Article) -> Article:
    locked = _transition(by, article, Status.DRAFT)
    locked.save(update_fields=["status", "updated_at"])
    _reindex(locked.id)
    return locked


# --- translations -------------------------------------------------------------------------------------------------


@transaction.atomic
def link_translation(*, by: User, article: Article, translation: Article) -> Article:
    """Join `translation` (and any translations it already has) to `article`'s group. Two articles in the same
    language cannot be translations of each other (409)."""
    _require_staff(by)
    if article.translation_group == translation.translation_group:
        return article
    ours = list(Article.objects.select_for_update().filter(translation_group=article.translation_group))
    theirs = list(Article.objects.select_for_update().filter(translation_group=translation.translation_group))
    clash = {a.language for a in ours} & {a.language for a in theirs}
    if clash:
        raise Conflict("both already have an article in " + ", ".join(sorted(clash)), field="translation")
    Article.objects.filter(id__in=[a.id for a in theirs]).update(translation_group=article.translation_group)
    for linked in theirs:
        _reindex(linked.id)
    translation.translation_group = article.translation_group
    return article


@transaction.atomic
def unlink_translation(*, by: User, article: Article) -> Article:
    _require_staff(by)
    article.translation_group = uuid.uuid4()
    article.save(update_fields=["translation_group", "updated_at"])
    return article


# --- readers ------------------------------------------------------------------------------------------------------


def record_view(*, article: Article, session: MutableMapping[str, Any]) -> bool:
    """Count a view once per session: a single UPDATE with F(), no lock, no read. True when counted."""
    seen = list(session.get(SEEN_KEY, []))
    if article.id in seen:
        return False
    Article.objects.filter(id=article.id).update(view_count=F("view_count") + 1)
    session[SEEN_KEY] = [*seen, article.id][-SEEN_LIMIT:]
    return True


@transaction.atomic
def record_feedback(
    *, article: Article, helpful: bool, comment: str = "", user: User | None = None, session_key: str = ""
) -> ArticleFeedback:
    """One vote per signed-in user (or per anonymous session) per article; voting again changes the vote and
    replaces the comment, so the counters never count one reader twice."""
    if not article.is_published:
        raise Conflict("only published articles take feedback")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"the comment is longer than {MAX_COMMENT} characters", field="comment")
    signed_in = user is not None and user.is_authenticated
    if not signed_in and not session_key:
        raise InvalidInput("feedback needs a session (cookies) or a signed-in user")
    who: dict[str, Any] = {"user": user} if signed_in else {"user": None, "session_key": session_key}
    existing = ArticleFeedback.objects.select_for_update().filter(article=article, **who).first()
    if existing is None:
        try:
            with transaction.atomic():
                feedback = ArticleFeedback.objects.create(article=article, helpful=helpful, comment=comment, **who)
        except IntegrityError:
            # The same reader's second click raced the first; the first vote stands and this one updates it.
            existing = ArticleFeedback.objects.select_for_update().get(article=article, **who)
        else:
            _count_vote(article, helpful, +1)
            return feedback
    if existing.helpful != helpful:
        _count_vote(article, existing.helpful, -1)
        _count_vote(article, helpful, +1)
    existing.helpful = helpful
    existing.comment = comment or existing.comment
    existing.save(update_fields=["helpful", "comment", "updated_at"])
    return existing


def _count_vote(article: Article, helpful: bool, delta: int) -> None:
    field = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(id=article.id).update(**{field: F(field) + delta})
