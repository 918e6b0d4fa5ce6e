"""Knowledge from tickets: a draft article prefilled from a ticket's question and the reply that resolved it."""

from __future__ import annotations

from upstream.accounts.models import User
from upstream.kb import services as kb
from upstream.kb.models import Article, Visibility
from upstream.kb.search.analysis import detect_language
from upstream.tickets.models import Message, MessageKind, Ticket

QUOTE_CHARS = 6000


def _resolving_reply(ticket: Ticket) -> Message | None:
    """The last public reply by a person on the support side before the ticket was resolved (or the last one)."""
    replies = ticket.messages.filter(kind=MessageKind.PUBLIC, author_user__isnull=False, automated=False)
    replies = replies.filter(author_user__role__in=("agent", "admin"))
    if ticket.resolved_at is not None:
        replies = replies.filter(created_at__lte=ticket.resolved_at)
    return replies.order_by("-created_at", "-id").first()


def draft_from_ticket(*, by: User, ticket: Ticket) -> Article:
    question = ticket.messages.filter(kind=MessageKind.PUBLIC).order_by("created_at", "id").first()
    answer = _resolving_reply(ticket)
    language = detect_language(f"{ticket.subject}\n{question.body_text[:500] if question else ''}")
    chinese = language == "zh-hans"
    body = "\n\n".join(
        [
            "## 问题" if chinese else "## Question",
            (question.body_text if question else ticket.subject)[:QUOTE_CHARS],
            "## 解决方法" if chinese else "## Answer",
            (answer.body_text if answer else "")[:QUOTE_CHARS],
        ]
    )
    return kb.create_article(
        by=by,
        fields=kb.ArticleFields(
            title=ticket.subject[:200],
            body_markdown=body,
            language=language,
            # Customers' words and names may be in it: a person reviews it before anyone outside support reads it.
            visibility=Visibility.INTERNAL,
            products=[ticket.product] if ticket.product is not None else [],
        ),
        source_ticket=ticket,
        note=f"drafted from {ticket.reference}",
    )
