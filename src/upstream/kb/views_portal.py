"""The public knowledge base: /kb/ (categories, latest articles, search) and /kb/<id>-<slug>/ (one article).

No sign-in needed: anonymous visitors read public articles, signed-in customers also customers-only ones, staff
everything published (and, on an article page, their drafts with a banner). What each reader may see is decided in
`kb.queries`; an article one may not read is a 404, exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from upstream.core.errors import DomainError, NotFound
from upstream.kb import queries, services
from upstream.kb.forms import FeedbackForm
from upstream.kb.models import Article, ArticleFeedback, Category, Language

LATEST = 20
SEARCH_LIMIT = 20


def reading_language(request: HttpRequest) -> str:
    """The article language a list shows: ?lang= when given, else the interface language."""
    wanted = request.GET.get("lang", "") or get_language() or Language.ENGLISH
    wanted = wanted.lower()
    return Language.CHINESE if wanted.startswith("zh") else Language.ENGLISH


def _readable_article(request: HttpRequest, article_id: int) -> Article:
    try:
        return queries.access_article(request.user, article_id)
    except NotFound:
        raise Http404(_("No such article.")) from None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    language = reading_language(request)
    query = request.GET.get("q", "").strip()[:200]
    category = None
    if request.GET.get("category"):
        category = Category.objects.filter(slug=request.GET["category"]).first()
    latest = queries.with_list_relations(queries.published_articles(user).filter(language=language))
    if category is not None:
        latest = latest.filter(category=category)
    context: dict[str, Any] = {
        "nav": "kb",
        "query": query,
        "language": language,
        "other_language": Language.ENGLISH if language == Language.CHINESE else Language.CHINESE,
        "languages": Language.choices,
        "categories": queries.categories_with_counts(user, language),
        "category": category,
        "hits": queries.search_articles(user, query, limit=SEARCH_LIMIT) if query else None,
        "latest": list(latest.order_by("-published_at", "-id")[:LATEST]),
    }
    return render(request, "kb/portal/home.html", context)


@require_GET
def article_by_id(request: HttpRequest, article_id: int) -> HttpResponse:
    """/kb/42/ (and any old slug) → the article's current readable address."""
    return redirect(_readable_article(request, article_id).get_absolute_url(), permanent=True)


@require_GET
def article(request: HttpRequest, article_id: int, slug: str) -> HttpResponse:
    found = _readable_article(request, article_id)
    if slug != found.slug:
        return redirect(found.get_absolute_url(), permanent=True)
    # Drafts previewed by staff are not views; a reader is counted once per session.
    if found.is_published and services.record_view(article=found, session=request.session):
        found.view_count += 1
    return _article_page(request, found, FeedbackForm())


def _own_vote(request: HttpRequest, article: Article) -> ArticleFeedback | None:
    votes = ArticleFeedback.objects.filter(article=article)
    if request.user.is_authenticated:
        return votes.filter(user=request.user).first()
    key = request.session.session_key
    return votes.filter(user=None, session_key=key).first() if key else None


def _article_page(request: HttpRequest, found: Article, form: FeedbackForm, status: int = 200) -> HttpResponse:
    user = request.user
    context = {
        "nav": "kb",
        "article": found,
        "is_staff": queries.is_staff(user),
        "translations": queries.translations_of(found, user),
        "related": queries.related_articles(found, user),
        "products": list(found.products.all()),
        "versions": list(found.versions.select_related("product").order_by("product__name", "released_on", "id")),
        "category_name": found.category.name_in(get_language() or "en") if found.category else "",
        "feedback_form": form,
        "own_vote": _own_vote(request, found) if found.is_published else None,
    }
    return render(request, "kb/portal/article.html", context, status=status)


@require_POST
def feedback(request: HttpRequest, article_id: int) -> HttpResponse:
    found = _readable_article(request, article_id)
    form = FeedbackForm(request.POST)
    if not form.is_valid() or form.cleaned_data["helpful"] is None:
        return _article_page(request, found, form, status=422)
    if not request.session.session_key:
        request.session.save()  # an anonymous reader's vote is tied to their session
    try:
        services.record_feedback(
            article=found,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
            user=request.user if request.user.is_authenticated else None,
            session_key=request.session.session_key or "",
        )
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        form.add_error(None, exc.message)
        return _article_page(request, found, form, status=exc.status)
    messages.success(request, _("Thank you for your feedback."))
    return redirect(found.get_absolute_url() + "#feedback")
