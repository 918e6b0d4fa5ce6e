"""The per-mailbox fetch against a real Dovecot: messages become tickets and are marked processed only then; a bad
message is quarantined without blocking the rest; a message that cannot be stored now stays on the server; a broken
login is shown on the mailbox."""

import pytest

from upstream.channels.email import fetching
from upstream.channels.email.ingest import TemporaryFailure
from upstream.channels.email.models import InboundEmail, InboundStatus, Security
from upstream.channels.email.tasks import fetch_mailboxes
from upstream.channels.email.tests.mail_world import build, make_mail_world
from upstream.channels.email.tests.test_quarantine import NO_SENDER
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def imap_world(dovecot):
    account = dovecot.add_user("support")
    world = make_mail_world(
        imap_host="127.0.0.1", imap_port=dovecot.imap_port, imap_security=Security.NONE,
        imap_username=account.username, imap_password=account.password,
    )  # fmt: skip
    return world, account


def test_fetched_mail_becomes_tickets_and_is_flagged(dovecot, imap_world):
    world, account = imap_world
    for n in range(3):
        dovecot.append(account, build(message_id=f"<f{n}@acme.test>", subject=f"Question {n}"))
    summary = fetching.fetch_mailbox(world.mailbox)
    assert summary.startswith("3 processed")
    assert Ticket.objects.count() == 3
    assert all("\\Seen" in flags for flags, _raw in dovecot.messages(account))
    world.mailbox.refresh_from_db()
    assert world.mailbox.last_fetch_count == 3 and not world.mailbox.last_fetch_error
    assert world.mailbox.fetch_lease_until is None
    assert fetching.fetch_mailbox(world.mailbox).startswith("0 processed")  # nothing fetched twice


def test_a_bad_message_is_quarantined_and_the_next_one_still_arrives(dovecot, imap_world):
    world, account = imap_world
    dovecot.append(account, NO_SENDER)
    dovecot.append(account, build(message_id="<good@acme.test>"))
    fetching.fetch_mailbox(world.mailbox)
    assert InboundEmail.objects.filter(status=InboundStatus.QUARANTINED).count() == 1
    assert Ticket.objects.count() == 1
    assert all("\\Seen" in flags for flags, _raw in dovecot.messages(account))


def test_a_message_that_cannot_be_stored_now_stays_unread(dovecot, imap_world, monkeypatch):
    world, account = imap_world
    dovecot.append(account, build(message_id="<later@acme.test>"))

    def database_down(*args, **kwargs):
        raise TemporaryFailure("OperationalError: connection refused")

    monkeypatch.setattr(fetching, "ingest_many", database_down)
    assert "1 kept for later" in fetching.fetch_mailbox(world.mailbox)
    assert all("\\Seen" not in flags for flags, _raw in dovecot.messages(account))
    monkeypatch.undo()
    fetching.fetch_mailbox(world.mailbox)
    assert Ticket.objects.count() == 1


def test_a_wrong_password_is_reported_on_the_mailbox(dovecot, imap_world):
    world, _account = imap_world
    world.mailbox.imap_password = "wrong"
    world.mailbox.save()
    assert fetching.fetch_mailbox(world.mailbox).startswith("failed:")
    world.mailbox.refresh_from_db()
    assert "login failed" in world.mailbox.last_fetch_error


def test_a_running_fetch_holds_the_mailbox(dovecot, imap_world):
    world, _account = imap_world
    assert fetching._claim(world.mailbox)
    assert fetching.fetch_mailbox(world.mailbox).startswith("skipped")


def test_the_periodic_task_fetches_every_active_imap_mailbox(dovecot, imap_world):
    _world, account = imap_world
    dovecot.append(account, build(message_id="<periodic@acme.test>"))
    assert fetch_mailboxes.call() == 1
    assert Ticket.objects.count() == 1


def test_an_oauth2_mailbox_fetches_and_keeps_a_rotated_refresh_token(dovecot):
    account = dovecot.add_user("oauth")
    dovecot.oauth.rotate = True
    try:
        first = dovecot.oauth.grant(account.username)
        world = make_mail_world(
            imap_host="127.0.0.1", imap_port=dovecot.imap_port, imap_security=Security.NONE,
            imap_username=account.username, oauth2_token_url=dovecot.oauth.token_url,
            oauth2_client_id=dovecot.oauth.client_id, oauth2_client_secret=dovecot.oauth.client_secret,
            oauth2_refresh_token=first,
        )  # fmt: skip
        dovecot.append(account, build(message_id="<oauth1@acme.test>"))
        assert fetching.fetch_mailbox(world.mailbox).startswith("1 processed")
        world.mailbox.refresh_from_db()
        assert world.mailbox.oauth2_refresh_token not in ("", first)
        dovecot.append(account, build(message_id="<oauth2@acme.test>", subject="second"))
        assert fetching.fetch_mailbox(world.mailbox).startswith("1 processed")  # the stored, rotated token works
        assert Ticket.objects.count() == 2
    finally:
        dovecot.oauth.rotate = False
