"""Knowledge-base articles over the REST API: list, read, create, update, the review workflow, search.

Thin like every router: `kb.queries` decides who sees what (an article you may not read is a 404), `kb.services`
applies every rule (staff only write: 403; a wrong workflow step: 409; bad values: 422).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from upstream.accounts.api import actor
from upstream.accounts.models import User
from upstream.core.api import Cursor, Id, Limit, PageParams, ShortText, StrictInput, Text, page_of
from upstream.core.errors import InvalidInput
from upstream.customers.models import Product, ProductVersion
from upstream.kb import queries, services
from upstream.kb.models import Article, Category, Language, Status, Visibility

kb = Router()

LIST_ORDER = ("-updated_at", "-id")
IdList = list[Id]


# --- output -------------------------------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    slug: str
    name_en: str
    name_zh: str


class VersionOut(Schema):
    id: int
    product_id: int
    name: str


class PersonOut(Schema):
    id: int
    name: str


class TranslationOut(Schema):
    id: int
    language: str
    title: str
    status: str


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    url: str = Field(description="the readable portal address of the article")
    language: str = Field(description='"zh-hans" or "en"')
    visibility: str = Field(description="public, customers or internal")
    status: str = Field(description="draft, review or published")
    summary: str
    body_markdown: str
    body_html: str = Field(description="the rendered Markdown, sanitised: safe to insert into a page")
    category: CategoryOut | None
    products: list[PersonOut] = Field(description="products as {id, name}")
    versions: list[VersionOut]
    translation_group: str = Field(description="shared by an article and its translations")
    author: PersonOut
    reviewer: PersonOut | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    view_count: int
    helpful_count: int
    not_helpful_count: int
    allowed_statuses: list[str] = Field(description="the workflow steps open now (staff); empty for readers")


class ArticleDetailOut(ArticleOut):
    translations: list[TranslationOut]
    related: list[TranslationOut] = Field(description="related articles you may read")


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None


class SearchHitOut(Schema):
    id: int
    title: str
    url: str
    language: str
    summary: str
    snippet_html: str = Field(description="matching text with <mark> highlights (safe HTML); may be empty")


class SearchOut(Schema):
    query: str
    items: list[SearchHitOut]


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.display_name}


def article_out(article: Article, user: User) -> dict[str, Any]:
    category = article.category
    return {
        "id": article.id,
        "title": article.title,
        "slug": article.slug,
        "url": article.get_absolute_url(),
        "language": article.language,
        "visibility": article.visibility,
        "status": article.status,
        "summary": article.summary,
        "body_markdown": article.body_markdown,
        "body_html": article.body_html,
        "category": None
        if category is None
        else {"id": category.id, "slug": category.slug, "name_en": category.name_en, "name_zh": category.name_zh},
        "products": [{"id": p.id, "name": p.name} for p in article.products.all()],
        "versions": [{"id": v.id, "product_id": v.product_id, "name": v.name} for v in article.versions.all()],
        "translation_group": str(article.translation_group),
        "author": _person(article.author),
        "reviewer": _person(article.reviewer),
        "created_at": article.created_at,
        "updated_at": article.updated_at,
        "published_at": article.published_at,
        "view_count": article.view_count,
        "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
        "allowed_statuses": list(services.allowed_next(article.status)) if queries.is_staff(user) else [],
    }


def _brief(article: Article) -> dict[str, Any]:
    return {"id": article.id, "language": article.language, "title": article.title, "status": article.status}


def _with_relations(articles: Any) -> Any:
    return articles.select_related("category", "author", "reviewer").prefetch_related("products", "versions")


def _detail(user: User, article_id: int) -> dict[str, Any]:
    queries.access_article(user, article_id)  # 404 for an article the caller may not read
    article = _with_relations(Article.objects).get(id=article_id)
    return {
        **article_out(article, user),
        "translations": [_brief(a) for a in queries.translations_of(article, user)],
        "related": [_brief(a) for a in queries.related_articles(article, user)],
    }


# --- list and read ------------------------------------------------------------------------------------------------


class ArticleQuery(Schema):
    status: list[Status] = Field(default=[], description="staff only see drafts and articles in review")
    language: Language | None = None
    visibility: list[Visibility] = Field(default=[], description="repeat to match any of several")
    category: ShortText | None = Field(default=None, description="a category slug")
    product: Id | None = None
    q: ShortText = Field(default="", description="words of the title or summary")
    cursor: Cursor | None = None
    limit: Limit | None = None


@kb.get("/articles", response=ArticlePage, summary="List articles")
def list_articles(request: HttpRequest, filters: Query[ArticleQuery]) -> dict[str, Any]:
    """The articles you may read, most recently changed first: published public ones for everyone, customers-only
    ones for customers, every state and internal ones for staff."""
    user = actor(request)
    found = queries.visible_articles(user)
    if filters.status:
        found = found.filter(status__in=[s.value for s in filters.status])
    if filters.language:
        found = found.filter(language=filters.language.value)
    if filters.visibility:
        found = found.filter(visibility__in=[v.value for v in filters.visibility])
    if filters.category:
        found = found.filter(category__slug=filters.category)
    if filters.product:
        found = found.filter(products__id=filters.product)
    if filters.q.strip():
        found = found.filter(Q(title__icontains=filters.q.strip()) | Q(summary__icontains=filters.q.strip()))
    params = PageParams(cursor=filters.cursor, limit=filters.limit)
    return page_of(_with_relations(found), LIST_ORDER, params, lambda article: article_out(article, user))


@kb.get("/articles/{article_id}", response=ArticleDetailOut, summary="Get an article")
def get_article(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    return _detail(actor(request), article_id)


# --- write --------------------------------------------------------------------------------------------------------


class ArticleIn(StrictInput):
    title: Text
    body_markdown: Text = ""
    summary: Text = ""
    language: Language = Language.ENGLISH
    visibility: Visibility = Visibility.CUSTOMERS
    category: ShortText | None = Field(default=None, description="a category slug")
    products: IdList = Field(default=[], max_length=50)
    versions: IdList = Field(default=[], max_length=200, description="versions of the listed products")
    related: IdList = Field(default=[], max_length=50, description="ids of related articles")
    translation_of: Id | None = Field(default=None, description="link the new article to this one's translations")
    note: ShortText = Field(default="", description="kept in the revision history")


class ArticlePatch(StrictInput):
    """Only the fields you send change; `"category": null` removes the category."""

    title: Text | None = None
    body_markdown: Text | None = None
    summary: Text | None = None
    language: Language | None = None
    visibility: Visibility | None = None
    category: ShortText | None = None
    products: IdList | None = Field(default=None, max_length=50)
    versions: IdList | None = Field(default=None, max_length=200)
    related: IdList | None = Field(default=None, max_length=50)
    note: ShortText = ""


def _category(slug: str) -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise InvalidInput(f"unknown category {slug!r}", field="category")
    return category


def _all_of(model: Any, ids: list[int], field: str) -> list[Any]:
    found = model.objects.in_bulk(ids)
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"unknown {field}: " + ", ".join(missing), field=field)
    return [found[i] for i in dict.fromkeys(ids)]


def _related(user: User, ids: list[int]) -> list[Article]:
    readable = queries.visible_articles(user).in_bulk(ids)
    missing = [str(i) for i in ids if i not in readable]
    if missing:
        raise InvalidInput("unknown related articles: " + ", ".join(missing), field="related")
    return [readable[i] for i in dict.fromkeys(ids)]


def _fields(user: User, payload: ArticleIn | ArticlePatch, sent: set[str]) -> services.ArticleFields:
    fields = services.ArticleFields(
        title=payload.title,
        summary=payload.summary,
        body_markdown=payload.body_markdown,
        language=payload.language.value if payload.language else None,
        visibility=payload.visibility.value if payload.visibility else None,
    )
    if "category" in sent:
        fields.category = _category(payload.category) if payload.category else None
        fields.clear_category = payload.category is None
    if payload.products is not None and "products" in sent:
        fields.products = _all_of(Product, payload.products, "products")
    if payload.versions is not None and "versions" in sent:
        fields.versions = _all_of(ProductVersion, payload.versions, "versions")
    if payload.related is not None and "related" in sent:
        fields.related = _related(user, payload.related)
    return fields


@kb.post("/articles", response={201: ArticleDetailOut}, summary="Create an article")
def create_article(request: HttpRequest, payload: ArticleIn) -> dict[str, Any]:
    """A new draft (staff). Submit it for review, then publish it, to show it to readers."""
    user = actor(request)
    sent = set(payload.model_fields_set) | {"products", "versions", "related"}
    fields = _fields(user, payload, sent)
    source = queries.access_article(user, payload.translation_of) if payload.translation_of else None
    article = services.create_article(by=user, fields=fields, translation_of=source, note=payload.note)
    return _detail(user, article.id)


@kb.patch("/articles/{article_id}", response=ArticleDetailOut, summary="Change an article")
def update_article(request: HttpRequest, article_id: Id, payload: ArticlePatch) -> dict[str, Any]:
    """A change of title, summary or body writes a new revision. A published article stays published."""
    user = actor(request)
    article = queries.access_article(user, article_id)
    fields = _fields(user, payload, set(payload.model_fields_set))
    services.update_article(by=user, article=article, fields=fields, note=payload.note)
    return _detail(user, article_id)


def _step(request: HttpRequest, article_id: int, step: Any) -> dict[str, Any]:
    user = actor(request)
    step(by=user, article=queries.access_article(user, article_id))
    return _detail(user, article_id)


@kb.post("/articles/{article_id}/submit", response=ArticleDetailOut, summary="Submit an article for review")
def submit_article(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    """draft → review; otherwise 409."""
    return _step(request, article_id, services.submit_for_review)


@kb.post("/articles/{article_id}/publish", response=ArticleDetailOut, summary="Publish an article")
def publish_article(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    """review → published; otherwise 409 naming the allowed steps. The publisher is recorded as the reviewer."""
    return _step(request, article_id, services.publish)


@kb.post("/articles/{article_id}/unpublish", response=ArticleDetailOut, summary="Unpublish an article")
def unpublish_article(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    """published → draft; otherwise 409."""
    return _step(request, article_id, services.unpublish)


@kb.post("/articles/{article_id}/reject", response=ArticleDetailOut, summary="Return an article to draft")
def reject_article(request: HttpRequest, article_id: Id) -> dict[str, Any]:
    """review → draft; otherwise 409."""
    return _step(request, article_id, services.reject)


# --- search -------------------------------------------------------------------------------------------------------


class SearchQuery(Schema):
    q: ShortText = Field(description="words to look for, in Chinese or English")
    limit: Limit = 20


@kb.get("/search", response=SearchOut, summary="Search articles")
def search_articles(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Published articles you may read, best match first."""
    user = actor(request)
    query = params.q.strip()
    if not query:
        raise InvalidInput("say what to search for", field="q")
    hits = queries.search_articles(user, query, limit=params.limit)
    return {
        "query": query,
        "items": [
            {
                "id": hit.article.id,
                "title": hit.article.title,
                "url": hit.article.get_absolute_url(),
                "language": hit.article.language,
                "summary": hit.article.summary,
                "snippet_html": hit.snippet_html,
            }
            for hit in hits
        ],
    }
