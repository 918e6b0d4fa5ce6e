"""The answer bot: on a new portal or email ticket, when the knowledge base answers the question with high
confidence, offer up to three articles. The customer answers through a signed, single-use link: "this answered my
question" resolves the ticket; "I still need help" leaves it with a person, its SLA still running from the original
request (the offer is an automated message, never a response). When confidence is low the bot stays silent.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from upstream.core import clock
from upstream.customers.queries import preferred_language
from upstream.kb.assist.models import AnswerBotSettings, BotOffer, Outcome
from upstream.kb.search.query import Hit, Scope, search
from upstream.tickets import services as tickets
from upstream.tickets.models import MessageKind, Status, Ticket

log = logging.getLogger(__name__)

SALT = "upstream.kb.answer-bot"
LINK_MAX_AGE = 60 * 60 * 24 * 30  # a month: long enough for a holiday, short enough to expire
QUESTION_CHARS = 2000
ARTICLES_ONLY_FOR_CUSTOMERS = Scope(kinds=("article",), visibilities=("public", "customers"))


@dataclass(frozen=True)
class Decision:
    offer: bool
    confidence: float
    hits: tuple[Hit, ...] = ()
    reason: str = ""


def question_of(ticket: Ticket) -> str:
    """What a ticket asks: its subject and opening message (what the bot and the agent's suggestions search for)."""
    first = ticket.messages.filter(kind=MessageKind.PUBLIC).order_by("created_at", "id").only("body_text").first()
    body = first.body_text if first is not None else ""
    return f"{ticket.subject}\n{body}"[:QUESTION_CHARS]


def eligible(ticket: Ticket, config: AnswerBotSettings) -> str:
    """Why the bot must not answer this ticket ("" when it may)."""
    if not config.enabled:
        return "the answer bot is off"
    if ticket.channel not in config.bot_channels():
        return f"the bot does not answer {ticket.channel} tickets"
    plan_ids = set(config.plans.values_list("id", flat=True))
    if plan_ids and (ticket.contract is None or ticket.contract.plan_id not in plan_ids):
        return "the bot does not answer tickets of this plan"
    if BotOffer.objects.filter(ticket=ticket).exists():
        return "the bot already answered this ticket"
    if ticket.status != Status.NEW or ticket.first_responded_at is not None:
        return "a person is already working on the ticket"
    return ""


def decide(ticket: Ticket, config: AnswerBotSettings) -> Decision:
    why_not = eligible(ticket, config)
    if why_not:
        return Decision(False, 0.0, reason=why_not)
    requester_user = ticket.requester.user
    result = search(
        question_of(ticket), user=requester_user, scope=ARTICLES_ONLY_FOR_CUSTOMERS,
        limit=config.max_articles, log=False,
    )  # fmt: skip
    if result.abstain or result.confidence < config.min_confidence or not result.hits:
        return Decision(False, result.confidence, reason="not confident enough")
    return Decision(True, result.confidence, tuple(result.hits[: config.max_articles]))


def link_for(offer: BotOffer) -> str:
    token = signing.dumps({"o": offer.id, "n": offer.nonce}, salt=SALT, compress=True)
    return settings.SITE_URL.rstrip("/") + reverse("kb_assist:answer", kwargs={"token": token})


def offer_from_token(token: str) -> BotOffer | None:
    """The offer a link names, or None for a forged, expired or outdated link."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("n"), str):
        return None
    return BotOffer.objects.select_related("ticket").filter(id=data["o"], nonce=data["n"]).first()


@transaction.atomic
def offer(ticket_id: int) -> BotOffer | None:
    """Run the bot on a new ticket (the task after `ticket.created`). Returns the offer, or None when it abstained."""
    ticket = Ticket.objects.select_related("requester__user", "contract").filter(id=ticket_id).first()
    if ticket is None:
        return None
    decision = decide(ticket, AnswerBotSettings.current())
    if not decision.offer:
        log.info("answer bot: no offer on %s: %s (confidence %.2f)", ticket.reference, decision.reason,
                 decision.confidence)  # fmt: skip
        return None
    record = BotOffer.objects.create(
        ticket=ticket, article_ids=[hit.object_id for hit in decision.hits], confidence=decision.confidence,
        nonce=secrets.token_hex(16), created_at=clock.now(),
    )  # fmt: skip
    language = preferred_language(ticket.requester, ticket.subject)
    context = {"ticket": ticket, "hits": decision.hits, "link": link_for(record), "site": settings.SITE_URL.rstrip("/")}
    with translation.override(language):
        text = render_to_string("kb_assist/offer.txt", context).strip()
        html = render_to_string("kb_assist/offer.html", context)
    record.message = tickets.automated_reply(ticket=ticket, body=text, body_html=html)
    record.save(update_fields=["message"])
    return record


@transaction.atomic
def answer(record: BotOffer, *, solved: bool) -> bool:
    """The customer's answer through the link; False when the link was already used."""
    locked = BotOffer.objects.select_for_update().select_related("ticket__requester").get(id=record.id)
    if locked.outcome != Outcome.OPEN:
        return False
    locked.outcome = Outcome.SOLVED if solved else Outcome.NEEDS_HELP
    locked.decided_at = clock.now()
    locked.save(update_fields=["outcome", "decided_at"])
    if solved:
        tickets.resolve_on_confirmation(ticket=locked.ticket)
    else:
        tickets.log(locked.ticket, None, "asked_for_a_person", after={"by_contact": locked.ticket.requester.name})
    record.outcome, record.decided_at = locked.outcome, locked.decided_at
    return True
