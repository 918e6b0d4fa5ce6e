"""Who may read which article, shared by the portal, the agent pages and the API.

| reader | sees |
| --- | --- |
| anonymous visitor | published public articles |
| signed-in customer contact | published public and customers-only articles |
| staff (agents, admins) | every article in every state, internal ones included |

An article a reader may not see raises `NotFound` (404), never "forbidden", so drafts and internal articles leak
nothing, not even their existence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Q, QuerySet

from upstream.core.errors import NotFound
from upstream.kb.models import Article, Category, Status, Visibility

log = logging.getLogger(__name__)

RELATED_LIMIT = 5


def is_staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff_member)


def readable_visibilities(user: Any) -> list[str]:
    if is_staff(user):
        return list(Visibility.values)
    if user is not None and user.is_authenticated and user.is_active:
        return [Visibility.PUBLIC, Visibility.CUSTOMERS]
    return [Visibility.PUBLIC]


def visible_articles(user: Any) -> QuerySet[Article]:
    """Every article `user` may open: staff see all states; everyone else only published ones."""
    if is_staff(user):
        return Article.objects.all()
    return Article.objects.filter(status=Status.PUBLISHED, visibility__in=readable_visibilities(user))


def published_articles(user: Any) -> QuerySet[Article]:
    """What the portal lists and searches: published articles `user` may read (staff included, drafts excluded)."""
    return visible_articles(user).filter(status=Status.PUBLISHED)


def access_article(user: Any, article_id: int) -> Article:
    article = visible_articles(user).select_related("category", "author", "reviewer").filter(id=article_id).first()
    if article is None:
        raise NotFound("no such article")
    return article


def with_list_relations(articles: QuerySet[Article]) -> QuerySet[Article]:
    """What an article list row shows, loaded in a fixed number of queries."""
    return articles.select_related("category", "author").prefetch_related("products")


def translations_of(article: Article, user: Any) -> list[Article]:
    """The other-language versions of `article` that `user` may read (the portal links only published ones)."""
    others = published_articles(user) if not is_staff(user) else visible_articles(user)
    return list(others.filter(translation_group=article.translation_group).exclude(id=article.id).order_by("language"))


def related_articles(article: Article, user: Any, limit: int = RELATED_LIMIT) -> list[Article]:
    """Articles chosen by hand first, then ones in the same category or about the same product, same language."""
    readable = with_list_relations(published_articles(user)).exclude(id=article.id)
    chosen = list(readable.filter(related=article).order_by("title")[:limit])
    if len(chosen) >= limit:
        return chosen
    product_ids = list(article.products.values_list("id", flat=True))
    shared = Q(products__in=product_ids) if product_ids else Q(pk__in=[])
    if article.category_id is not None:
        shared |= Q(category_id=article.category_id)
    computed = (
        readable.filter(shared, language=article.language)
        .exclude(id__in=[a.id for a in chosen])
        .exclude(translation_group=article.translation_group)
        .order_by("-helpful_count", "-view_count", "-id")
        .distinct()[: limit - len(chosen)]
    )
    return chosen + list(computed)


def categories_with_counts(user: Any, language: str) -> list[tuple[Category, int]]:
    """Categories holding published articles `user` may read in `language`, with how many; one query."""
    readable = published_articles(user).filter(language=language)
    counted = Category.objects.annotate(
        article_count=Count("articles", filter=Q(articles__in=readable.values("id")))
    ).filter(article_count__gt=0)
    return [(category, category.article_count) for category in counted]


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet_html: str  # the search module's highlighted snippet (safe HTML), or the article's summary, escaped


def search_articles(user: Any, query: str, *, limit: int = 20) -> list[SearchHit]:
    """Published articles `user` may read that match `query`, best first.

    The search module ranks; the hits are then re-checked against `published_articles(user)` here, so a stale index
    entry (an article unpublished a moment ago, its re-index not yet run) is never shown. If the search module is
    unavailable or fails, a plain title/body match keeps the portal working while the index catches up.
    """
    query = query.strip()
    if not query:
        return []
    readable = published_articles(user)
    try:
        hits = _index_hits(user, query, limit)
    except Exception:
        log.warning("knowledge-base search failed; falling back to a database match", exc_info=True)
        hits = None
    if hits is None:
        found = readable.filter(Q(title__icontains=query) | Q(body_markdown__icontains=query)).select_related(
            "category"
        )
        return [SearchHit(article, "") for article in found.order_by("-published_at", "-id")[:limit]]
    by_id = readable.select_related("category").in_bulk([object_id for object_id, _snippet in hits])
    return [SearchHit(by_id[object_id], snippet) for object_id, snippet in hits if object_id in by_id]


def _index_hits(user: Any, query: str, limit: int) -> list[tuple[int, str]] | None:
    """(article id, snippet) from the search module, or None when it is not installed."""
    try:
        from upstream.kb.search.query import scope_for, search
    except ImportError:
        return None
    allowed = scope_for(user)
    # Articles only: the agent's search page is where tickets are searched; the knowledge base lists articles.
    result = search(query, user=user, scope=replace(allowed, kinds=("article",)), limit=limit)
    return [(int(hit.object_id), hit.snippet_html) for hit in result.hits if hit.kind == "article"]
