"""The answer bot offers articles on a confident match, abstains otherwise, and its signed single-use link resolves
the ticket or leaves it with a person (SLA untouched)."""

import pytest
from django.test import Client

from upstream.core.testing import make_ticket
from upstream.customers.models import Channel
from upstream.kb.assist import answer_bot
from upstream.kb.assist.models import AnswerBotSettings, BotOffer, Outcome
from upstream.kb.assist.tests.assist_world import make_assist_world
from upstream.tickets.models import Status

pytestmark = pytest.mark.django_db

QUESTION = "Forgot the Keycloak admin password"
BODY = "We forgot the Keycloak admin password and cannot log in to the admin console. How do we reset it?"


@pytest.fixture
def world():
    world = make_assist_world()
    AnswerBotSettings.objects.update_or_create(id=1, defaults={"min_confidence": 0.2})
    return world


def test_a_confident_match_is_offered_as_an_automated_reply(world):
    ticket = make_ticket(world.customer, subject=QUESTION, body=BODY, channel=Channel.PORTAL)
    offer = answer_bot.offer(ticket.id)
    assert offer is not None and offer.article_ids[0] == world.reset.id
    assert world.internal.id not in offer.article_ids  # a customer is never offered an internal article
    message = offer.message
    assert message.automated and "Keycloak" in message.body_text and "/kb/assist/answer/" in message.body_text
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.first_responded_at is None


def test_an_unrelated_question_gets_no_offer(world):
    ticket = make_ticket(world.customer, subject="Invoice address change", body="Please change our invoice address.")
    assert answer_bot.offer(ticket.id) is None
    assert not BotOffer.objects.exists()
    assert ticket.messages.count() == 1


def test_the_bot_respects_its_channels_and_switch(world):
    AnswerBotSettings.objects.filter(id=1).update(channels=["email"])
    ticket = make_ticket(world.customer, subject=QUESTION, body=BODY, channel=Channel.PORTAL)
    assert answer_bot.offer(ticket.id) is None
    AnswerBotSettings.objects.filter(id=1).update(channels=[], enabled=False)
    assert answer_bot.offer(ticket.id) is None


def test_solved_resolves_the_ticket_once(world):
    ticket = make_ticket(world.customer, subject=QUESTION, body=BODY, channel=Channel.PORTAL)
    offer = answer_bot.offer(ticket.id)
    url = answer_bot.link_for(offer).split("://", 1)[1].split("/", 1)[1]
    client = Client()
    page = client.get("/" + url)
    assert page.status_code == 200 and "This answered my question" in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW  # looking at the link (a mail scanner) changes nothing
    assert client.post("/" + url, {"answer": "solved"}).status_code == 200
    ticket.refresh_from_db()
    offer.refresh_from_db()
    assert ticket.status == Status.RESOLVED and offer.outcome == Outcome.SOLVED
    again = client.post("/" + url, {"answer": "help"})
    assert "already been used" in again.content.decode()
    offer.refresh_from_db()
    assert offer.outcome == Outcome.SOLVED


def test_still_need_help_leaves_the_ticket_with_a_person(world):
    ticket = make_ticket(world.customer, subject=QUESTION, body=BODY, channel=Channel.PORTAL)
    offer = answer_bot.offer(ticket.id)
    url = "/" + answer_bot.link_for(offer).split("://", 1)[1].split("/", 1)[1]
    Client().post(url, {"answer": "help"})
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.first_responded_at is None
    assert ticket.activities.filter(action="asked_for_a_person").exists()


def test_forged_and_tampered_links_are_refused(world):
    ticket = make_ticket(world.customer, subject=QUESTION, body=BODY, channel=Channel.PORTAL)
    offer = answer_bot.offer(ticket.id)
    url = "/" + answer_bot.link_for(offer).split("://", 1)[1].split("/", 1)[1]
    client = Client()
    assert client.get(url[:-3] + "xyz/").status_code == 404
    assert client.get("/kb/assist/answer/not-a-token/").status_code == 404
    assert client.post(url, {"answer": "maybe"}).status_code == 400
