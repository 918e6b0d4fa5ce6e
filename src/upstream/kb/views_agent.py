"""Managing the knowledge base (staff): the article list with filters, the editor with a live preview, the review
workflow, translations and the revision history with a diff between any two revisions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from upstream.core.errors import DomainError, InvalidInput
from upstream.core.pagination import paginate
from upstream.kb import diff, markdown, queries, services
from upstream.kb.forms import ArticleForm, ManageFilterForm, TranslationLinkForm
from upstream.kb.models import Article, ArticleRevision, Language, Status
from upstream.tickets.views.common import page_size, staff_only, user_of

LIST_ORDER = ("-updated_at", "-id")


def _article(article_id: int) -> Article:
    return get_object_or_404(Article.objects.select_related("category", "author", "reviewer"), id=article_id)


def _add_domain_error(form: Any, exc: DomainError) -> None:
    if exc.status == 403:
        raise PermissionDenied(exc.message)
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@staff_only
@require_GET
def manage_list(request: HttpRequest) -> HttpResponse:
    filters = ManageFilterForm(request.GET)
    articles = Article.objects.all()
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            articles = articles.filter(Q(title__icontains=data["q"]) | Q(summary__icontains=data["q"]))
        for name in ("status", "language", "visibility", "category"):
            if data[name]:
                articles = articles.filter(**{name: data[name]})
    status = 200
    rows = queries.with_list_relations(articles)
    try:
        page = paginate(rows, LIST_ORDER, cursor=request.GET.get("cursor"), size=page_size())
    except InvalidInput:
        messages.error(request, _("That page link is no longer valid; here is the first page."))
        page = paginate(rows, LIST_ORDER, cursor=None, size=page_size())
        status = 400
    query = request.GET.copy()
    query.pop("cursor", None)
    section = "review" if request.GET.get("status") == Status.REVIEW else "list"
    context = {"nav": "kb", "section": section, "filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "kb/manage/list.html", context, status=status)


def _editor(
    request: HttpRequest, form: ArticleForm, article: Article | None, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "nav": "kb",
        "form": form,
        "article": article,
        "preview_html": markdown.render(form["body_markdown"].value() or ""),
        "allowed_next": services.allowed_next(article.status) if article else (),
        "translations": queries.translations_of(article, user_of(request)) if article else [],
        "link_form": TranslationLinkForm(article=article) if article else None,
        "missing_language": _missing_language(article) if article else None,
        "revision_count": article.revisions.count() if article else 0,
        "can_delete": article is not None and _may_delete(user_of(request), article),
        **extra,
    }
    return render(request, "kb/manage/edit.html", context, status=status)


def _missing_language(article: Article) -> str | None:
    taken = set(Article.objects.filter(translation_group=article.translation_group).values_list("language", flat=True))
    free = [code for code in Language.values if code not in taken]
    return free[0] if free else None


@staff_only
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    source = None
    if request.GET.get("translation_of", "").isdigit():
        source = Article.objects.filter(id=int(request.GET["translation_of"])).first()
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                created = services.create_article(
                    by=user_of(request),
                    fields=form.article_fields(),
                    translation_of=source,
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, _("The draft has been saved."))
                return redirect(created.manage_url())
        return _editor(request, form, None, status=422, source=source)
    initial: dict[str, Any] = {"language": Language.CHINESE if (request.LANGUAGE_CODE or "").startswith("zh") else "en"}
    if source is not None:
        initial = {**ArticleForm.initial_for(source), "language": _missing_language(source) or source.language}
        initial["title"] = ""
    return _editor(request, ArticleForm(initial=initial), None, source=source)


@staff_only
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article(article_id)
    if request.method == "POST":
        form = ArticleForm(request.POST, article=article)
        if form.is_valid():
            try:
                services.update_article(
                    by=user_of(request), article=article, fields=form.article_fields(), note=form.cleaned_data["note"]
                )
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, _("The article has been saved."))
                return redirect(article.manage_url())
        return _editor(request, form, article, status=422)
    return _editor(request, ArticleForm(initial=ArticleForm.initial_for(article), article=article), article)


@staff_only
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The editor's live preview (htmx): the Markdown rendered exactly as the article page will show it."""
    body = request.POST.get("body_markdown", "")[: services.MAX_BODY]
    return render(request, "kb/manage/_preview.html", {"preview_html": markdown.render(body)})


WORKFLOW: dict[str, tuple[Any, Any]] = {
    "submit": (services.submit_for_review, gettext_lazy("The article is waiting for review.")),
    "publish": (services.publish, gettext_lazy("The article has been published.")),
    "reject": (services.reject, gettext_lazy("The article has been returned to draft.")),
    "unpublish": (services.unpublish, gettext_lazy("The article has been unpublished; it is a draft again.")),
}


@staff_only
@require_POST
def workflow(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article(article_id)
    action = request.POST.get("action", "")
    if action not in WORKFLOW:
        messages.error(request, _("Unknown action."))
        return redirect(article.manage_url())
    step, done = WORKFLOW[action]
    try:
        if action == "reject":
            services.reject(by=user_of(request), article=article, note=request.POST.get("note", ""))
        else:
            step(by=user_of(request), article=article)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        # The editor again, with the reason, under the status that names the problem (409 for a wrong step).
        form = ArticleForm(initial=ArticleForm.initial_for(article), article=article)
        return _editor(request, form, article, status=exc.status, workflow_error=exc.message)
    messages.success(request, str(done))
    return redirect(article.manage_url())


@staff_only
@require_POST
def link_translation(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article(article_id)
    form = TranslationLinkForm(request.POST, article=article)
    if not form.is_valid():
        messages.error(request, _("Choose an article in the other language."))
        return redirect(article.manage_url())
    try:
        services.link_translation(by=user_of(request), article=article, translation=form.cleaned_data["translation"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The translations are linked."))
    return redirect(article.manage_url())


@staff_only
@require_POST
def delete(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article(article_id)
    if not _may_delete(user_of(request), article):
        raise PermissionDenied(_("Only the author or an admin deletes an article."))
    title = article.title
    services.delete_article(by=user_of(request), article=article)
    messages.success(request, _("“%(title)s” has been deleted.") % {"title": title})
    return redirect("kb:manage")


def _may_delete(user: Any, article: Article) -> bool:
    return bool(user.is_admin or article.author_id == user.id)


def _revision(revisions: dict[int, ArticleRevision], raw: str | None, fallback: ArticleRevision) -> ArticleRevision:
    if raw and raw.isdigit() and int(raw) in revisions:
        return revisions[int(raw)]
    return fallback


@staff_only
@require_GET
def history(request: HttpRequest, article_id: int) -> HttpResponse:
    """Every revision, and the difference between two of them (?from=&to=, by number; default: the last change)."""
    article = _article(article_id)
    ordered = list(article.revisions.select_related("author").order_by("-number"))
    if not ordered:
        raise Http404(_("This article has no revisions."))
    by_number = {revision.number: revision for revision in ordered}
    newest = ordered[0]
    previous = ordered[1] if len(ordered) > 1 else newest
    old = _revision(by_number, request.GET.get("from"), previous)
    new = _revision(by_number, request.GET.get("to"), newest)
    context = {
        "nav": "kb",
        "article": article,
        "revisions": ordered,
        "old": old,
        "new": new,
        "title_diff": diff.inline_html(old.title, new.title),
        "summary_diff": diff.inline_html(old.summary, new.summary),
        "body_diff": diff.diff_html(old.body_markdown, new.body_markdown),
        "stats": diff.stats(old.body_markdown, new.body_markdown),
        "status_label": Status(article.status).label,
    }
    return render(request, "kb/manage/history.html", context)
