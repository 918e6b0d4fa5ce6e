"""The knowledge base as a source for the search module: published articles as `SourceDoc`s.

Registered as "article" in `KbConfig.ready()`. The search module calls `load(ids)` for the ids it was told changed;
an id not returned (a draft, an unpublished or deleted article) is removed from the index, so only published
articles are ever searchable.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from upstream.kb import markdown
from upstream.kb.models import Article, Status, Visibility

BATCH = 500


def article_url(article: Article) -> str:
    # Internal articles have no portal page worth linking for readers without access; staff open the editor.
    return article.manage_url() if article.visibility == Visibility.INTERNAL else article.get_absolute_url()


class ArticleSource:
    kind = "article"

    def load(self, ids: Any) -> list[Any]:
        from upstream.kb.search.sources import SourceDoc

        articles = (
            Article.objects.filter(id__in=list(ids), status=Status.PUBLISHED)
            .select_related("category")
            .prefetch_related("products")
        )
        return [
            SourceDoc(
                kind=self.kind,
                object_id=article.id,
                title=article.title,
                body="\n\n".join(p for p in (article.summary, markdown.plain_text(article.body_html)) if p),
                language=article.language,
                visibility=article.visibility,
                url=article_url(article),
                product_ids=tuple(sorted(p.id for p in article.products.all())),
                organisation_id=None,
                updated_at=article.updated_at,
                extra={"category": article.category.slug if article.category else None},
            )
            for article in articles
        ]

    def all_ids(self) -> Iterator[int]:
        yield from (
            Article.objects.filter(status=Status.PUBLISHED)
            .order_by("id")
            .values_list("id", flat=True)
            .iterator(chunk_size=BATCH)
        )

    def changed_since(self, since: datetime) -> Iterator[int]:
        # Every state, not only published: an article unpublished since then must be dropped from the index too.
        yield from (
            Article.objects.filter(updated_at__gte=since)
            .order_by("id")
            .values_list("id", flat=True)
            .iterator(chunk_size=BATCH)
        )


def register() -> None:
    """Register the article source with the search module, if it is installed (it is developed alongside)."""
    try:
        from upstream.kb.search.sources import register_source
    except ImportError:
        return
    register_source("article", ArticleSource())
