"""Knowledge offered at the moment it helps: articles while a customer types a new ticket (deflection), and on the
agent's ticket page the best articles and similar resolved tickets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from upstream.accounts.models import User
from upstream.core import clock
from upstream.core.errors import NotFound
from upstream.kb.assist.answer_bot import question_of
from upstream.kb.assist.models import Deflection
from upstream.kb.models import Article
from upstream.kb.queries import published_articles
from upstream.kb.search import semantic
from upstream.kb.search.query import Hit, Scope, search
from upstream.kb.search.semantic import Draft
from upstream.tickets.models import Ticket

SUGGESTED = 3
MIN_QUESTION_CHARS = 4
ARTICLES = Scope(kinds=("article",), visibilities=("public", "customers", "internal"))
TICKETS = Scope(kinds=("ticket",), visibilities=("public", "customers", "internal"))


def while_typing(user: Any, subject: str, body: str = "") -> list[Hit]:
    """The three best articles for what a customer is typing (narrowed to what they may read by search())."""
    text = f"{subject}\n{body[:1000]}".strip()
    if len(text) < MIN_QUESTION_CHARS:
        return []
    return search(text, user=user, scope=ARTICLES, limit=SUGGESTED, log=False).hits


def record_deflection(user: User | None, article_id: int, question: str) -> Deflection:
    """ "This solved my problem": counted, and the new-ticket flow ends without a ticket."""
    if not published_articles(user).filter(id=article_id).exists():
        raise NotFound("no such article")
    return Deflection.objects.create(
        article_id=article_id,
        user=user if user is not None and user.is_authenticated else None,
        question=" ".join(question.split())[:500],
        created_at=clock.now(),
    )


@dataclass(frozen=True)
class CitedArticle:
    """What the drafting model reads of an article, and what the agent sees as a citation."""

    title: str
    url: str
    body: str


def draft_reply(ticket: Ticket, user: User) -> Draft | None:
    """A reply drafted from the best articles by the optional OpenAI-compatible endpoint (LLM_BASE_URL), citing
    them; None when drafting is off, fails, or cannot answer from the articles."""
    hits = search(question_of(ticket), user=user, scope=ARTICLES, limit=SUGGESTED, log=False).hits
    articles = {a.id: a for a in Article.objects.filter(id__in=[h.object_id for h in hits])}
    cited = [
        CitedArticle(hit.title, hit.url, articles[hit.object_id].body_markdown)
        for hit in hits
        if hit.object_id in articles
    ]
    return semantic.draft_answer(question_of(ticket), cited)


def for_agent(ticket: Ticket, user: User) -> tuple[list[Hit], list[Hit]]:
    """Suggested articles and similar resolved tickets for the ticket an agent is working on."""
    question = question_of(ticket)
    articles = search(question, user=user, scope=ARTICLES, limit=SUGGESTED, log=False).hits
    similar = [
        hit
        for hit in search(question, user=user, scope=TICKETS, limit=SUGGESTED * 4, log=False).hits
        if hit.object_id != ticket.id and hit.extra.get("resolved")
    ]
    return articles, similar[:SUGGESTED]
