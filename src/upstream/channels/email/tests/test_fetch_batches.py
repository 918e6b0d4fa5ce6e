"""imap.fetch_batches against a real Dovecot: messages reach the handler in bounded batches and are marked processed
only after the handler (the batch's commit) returned, each per its own outcome; a failing batch leaves all of its
messages on the server. And the mailbox fetch through it, end to end: more messages than a batch, all stored once."""

from __future__ import annotations

import pytest

from upstream.channels.email import fetching, imap
from upstream.channels.email.imap import Outcome
from upstream.channels.email.models import InboundEmail, Security
from upstream.channels.email.tests.mail_world import build, make_mail_world
from upstream.channels.email.tests.test_imap_fetch import message, settings, subject
from upstream.tickets.models import Ticket


def seen(dovecot, user) -> list[bool]:
    return ["\\Seen" in flags for flags, _raw in dovecot.messages(user)]


def test_batches_are_bounded_and_only_processed_messages_are_marked(dovecot):
    user = dovecot.add_user()
    for n in range(1, 8):
        dovecot.append(user, message(n))
    batches: list[list[str]] = []
    marked = 0

    def handle(raws: list[bytes]) -> list[Outcome]:
        nonlocal marked
        # Nothing of this batch is marked when the handler runs (its caller has not committed it yet); everything
        # processed in the batches before it is.
        assert seen(dovecot, user).count(True) == marked
        batches.append([subject(raw) for raw in raws])
        outcomes = [Outcome.KEEP if subject(raw) == "Request 3" else Outcome.PROCESSED for raw in raws]
        marked += outcomes.count(Outcome.PROCESSED)
        return outcomes

    report = imap.fetch_batches(settings(dovecot, user), handle, batch_size=3)
    assert [len(b) for b in batches] == [3, 3, 1]
    assert report.seen == 7 and report.processed == 6 and report.kept == 1 and not report.errors
    assert seen(dovecot, user) == [True, True, False, True, True, True, True]


def test_a_failing_batch_leaves_all_of_its_messages_and_the_next_batch_goes_on(dovecot):
    user = dovecot.add_user()
    for n in range(1, 5):
        dovecot.append(user, message(n))

    def handle(raws: list[bytes]) -> list[Outcome]:
        if subject(raws[0]) == "Request 1":
            raise RuntimeError("database went away mid-batch")
        return [Outcome.PROCESSED] * len(raws)

    report = imap.fetch_batches(settings(dovecot, user), handle, batch_size=2)
    assert report.processed == 2 and report.failed_uids and len(report.errors) == 2
    assert seen(dovecot, user) == [False, False, True, True]


def test_a_large_message_goes_in_a_batch_of_its_own(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, message(1))
    dovecot.append(user, message(2, body="x" * 5000))
    dovecot.append(user, message(3))
    sizes: list[int] = []

    def handle(raws: list[bytes]) -> list[Outcome]:
        sizes.append(len(raws))
        return [Outcome.PROCESSED] * len(raws)

    imap.fetch_batches(settings(dovecot, user), handle, batch_size=10, batch_bytes=4000)
    assert sizes == [2, 1]


@pytest.mark.django_db
def test_a_mailbox_fetch_stores_more_messages_than_a_batch_once_each(dovecot, monkeypatch):
    account = dovecot.add_user("support")
    world = make_mail_world(
        imap_host="127.0.0.1", imap_port=dovecot.imap_port, imap_security=Security.NONE,
        imap_username=account.username, imap_password=account.password,
    )  # fmt: skip
    monkeypatch.setattr(fetching, "BATCH_MESSAGES", 4)
    for n in range(10):
        dovecot.append(account, build(message_id=f"<many{n}@acme.test>", subject=f"Question {n}"))
    dovecot.append(account, build(message_id="<many3@acme.test>", subject="Question 3"))  # delivered twice
    assert fetching.fetch_mailbox(world.mailbox).startswith("11 processed")
    assert InboundEmail.objects.count() == 10 and Ticket.objects.count() == 10
    assert all(seen(dovecot, account))
