"""New tickets of one IMAP fetch (events.batch) reach the answer bot in one task; single tickets one by one."""

import pytest

from upstream import events
from upstream.channels.email.tests.mail_world import build, deliver, make_mail_world
from upstream.kb.assist import answer_bot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_fetch_batch_offers_answers_in_one_task(monkeypatch):
    seen: list[int] = []
    monkeypatch.setattr(answer_bot, "offer", lambda ticket_id: seen.append(ticket_id))
    world = make_mail_world(auto_acknowledge=False)
    with events.batch():
        deliver(build(message_id="<b1@acme.test>", subject="one"), world.mailbox)
        deliver(build(message_id="<b2@acme.test>", subject="two"), world.mailbox)
        assert seen == []
    assert len(seen) == 2
    deliver(build(message_id="<b3@acme.test>", subject="three"), world.mailbox)
    assert len(seen) == 3
