"""Pages and htmx fragments of knowledge assistance. Short: each calls a service and renders."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from upstream.core import clock
from upstream.core.errors import NotFound
from upstream.kb.assist import answer_bot, gaps, suggestions
from upstream.kb.assist.from_ticket import draft_from_ticket
from upstream.kb.assist.models import Outcome
from upstream.kb.models import Article
from upstream.tickets.views.common import staff_only, staff_ticket, user_of


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The bot's link: GET only shows the choice (mail scanners follow links); POST records it, once."""
    offer = answer_bot.offer_from_token(token)
    if offer is None:
        return render(request, "kb_assist/invalid_link.html", status=404)
    state = Outcome.OPEN if offer.outcome == Outcome.OPEN else "used"
    if request.method == "POST":
        choice = request.POST.get("answer")
        if choice not in ("solved", "help"):
            return render(request, "kb_assist/invalid_link.html", status=400)
        state = offer.outcome if answer_bot.answer(offer, solved=choice == "solved") else "used"
    articles = Article.objects.filter(id__in=offer.article_ids).only("id", "title", "slug")
    return render(request, "kb_assist/answer.html", {"offer": offer, "state": state, "articles": articles})


@login_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx: the three best articles for what the customer is typing on the new-ticket form."""
    hits = suggestions.while_typing(user_of(request), request.GET.get("subject", ""), request.GET.get("body", ""))
    return render(request, "kb_assist/_suggestions.html", {"hits": hits, "subject": request.GET.get("subject", "")})


@login_required
@require_POST
def deflect(request: HttpRequest) -> HttpResponse:
    try:
        article_id = int(request.POST.get("article", ""))
        question = request.POST.get("question") or request.POST.get("subject", "")
        deflection = suggestions.record_deflection(user_of(request), article_id, question)
    except (ValueError, NotFound):
        raise Http404("no such article") from None
    return render(request, "kb_assist/deflected.html", {"article": deflection.article, "nav": "portal_new"})


@staff_only
@require_GET
def agent_panel(request: HttpRequest, ref: str) -> HttpResponse:
    """htmx: suggested articles and similar resolved tickets on the agent's ticket page."""
    ticket = staff_ticket(request, ref)
    articles, similar = suggestions.for_agent(ticket, user_of(request))
    return render(
        request, "kb_assist/_agent_panel.html",
        {"ticket": ticket, "articles": articles, "similar": similar, "can_draft": bool(settings.LLM_BASE_URL)},
    )  # fmt: skip


@staff_only
@require_POST
def draft_reply(request: HttpRequest, ref: str) -> HttpResponse:
    """htmx: a reply drafted from the suggested articles (only when an OpenAI-compatible endpoint is configured)."""
    ticket = staff_ticket(request, ref)
    draft = suggestions.draft_reply(ticket, user_of(request)) if settings.LLM_BASE_URL else None
    return render(request, "kb_assist/_draft.html", {"draft": draft})


@staff_only
@require_POST
def from_ticket(request: HttpRequest, ref: str) -> HttpResponse:
    article = draft_from_ticket(by=user_of(request), ticket=staff_ticket(request, ref))
    return redirect(article.manage_url())


@staff_only
@require_GET
def gap_report(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    return render(
        request, "kb_assist/gaps.html",
        {"searches": gaps.failed_searches(now), "groups": gaps.uncovered_groups(now), "nav": "kb",
         "self_service": gaps.self_service(now),
         "since": timezone.localdate(now - gaps.WINDOW)},
    )  # fmt: skip
