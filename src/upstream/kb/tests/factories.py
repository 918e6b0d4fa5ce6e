"""Knowledge-base test factories: articles built through the real services (revisions, workflow, indexing)."""

from __future__ import annotations

import itertools
from typing import Any

from upstream.accounts.models import User
from upstream.core.testing import make_agent
from upstream.kb import services
from upstream.kb.models import Article, Category, Status, Visibility

_seq = itertools.count(1)


def make_category(name: str | None = None, *, name_zh: str = "") -> Category:
    n = next(_seq)
    return Category.objects.create(name_en=name or f"Category {n}", name_zh=name_zh, slug=f"category-{n}")


def make_article(
    *,
    by: User | None = None,
    title: str | None = None,
    body: str = "Some **helpful** text.",
    language: str = "en",
    visibility: str = Visibility.PUBLIC,
    status: str = Status.PUBLISHED,
    publisher: User | None = None,
    translation_of: Article | None = None,
    **fields: Any,
) -> Article:
    author = by or make_agent()
    article = services.create_article(
        by=author,
        fields=services.ArticleFields(
            title=title or f"Article {next(_seq)}",
            body_markdown=body,
            language=language,
            visibility=visibility,
            **fields,
        ),
        translation_of=translation_of,
    )
    if status in (Status.REVIEW, Status.PUBLISHED):
        article = services.submit_for_review(by=author, article=article)
    if status == Status.PUBLISHED:
        article = services.publish(by=publisher or author, article=article)
    return article
