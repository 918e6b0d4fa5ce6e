"""Two fetch workers meeting the same new sender at once: the batch that comes second does not fail on the contact's
unique key (which would send it one by one); its INSERT … ON CONFLICT DO NOTHING waits for the other transaction,
skips, and the batch reads the contact the other one committed and goes on, in its one transaction."""

import threading

import pytest
from django.db import connections, transaction

from upstream.channels.email import batch
from upstream.channels.email.ingest import IngestResult
from upstream.channels.email.lookups import Lookups, insert_unless_taken
from upstream.channels.email.models import InboundStatus, Via
from upstream.channels.email.tests.mail_world import build, make_mail_world
from upstream.core.testing import make_org
from upstream.customers.models import Contact, Membership

pytestmark = pytest.mark.django_db(transaction=True)

NEW_SENDER = "Wang Wu <wang.wu@acme.test>"


def _other_worker_creates(email, organisation, *, member=True):
    """Another connection creates the contact (and its membership) in a transaction that commits a moment after
    the batch has read the world and begun to write: the batch's insert has to wait for it."""
    inserted = threading.Event()

    def run():
        try:
            with transaction.atomic():
                contact = Contact.objects.create(email=email, name="Wang Wu (other worker)")
                if member:
                    Membership.objects.create(contact=contact, organisation=organisation)
                inserted.set()
                threading.Event().wait(0.3)  # still uncommitted while the batch reaches its INSERT
        finally:
            inserted.set()
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    inserted.wait(10)
    return worker


@pytest.fixture
def no_one_by_one(monkeypatch):
    alone = []
    original = batch._commit_alone
    monkeypatch.setattr(batch, "_commit_alone", lambda item: alone.append(item) or original(item))
    return alone


def _prefetch_then(monkeypatch, action):
    original = Lookups.prefetch
    workers = []

    def prefetch(self, **kwargs):
        original(self, **kwargs)  # the new sender is not a contact yet, as far as this batch can see
        workers.append(action())

    monkeypatch.setattr(Lookups, "prefetch", prefetch)
    return workers


@pytest.mark.parametrize("member", [True, False], ids=["with-membership", "contact-only"])
def test_a_contact_created_by_a_concurrent_batch_is_read_not_fatal(monkeypatch, no_one_by_one, member):
    world = make_mail_world()
    workers = _prefetch_then(monkeypatch, lambda: _other_worker_creates("wang.wu@acme.test", world.org, member=member))
    raws = [
        build(sender=NEW_SENDER, message_id="<ww-1@acme.test>", subject="First question"),
        build(message_id="<ln-1@acme.test>", subject="Something else"),
    ]
    results = batch.ingest_many(raws, via=Via.IMAP, mailbox=world.mailbox)
    for worker in workers:
        worker.join(10)

    assert no_one_by_one == []  # committed together, not message by message
    assert all(isinstance(r, IngestResult) and r.inbound.status == InboundStatus.TICKET for r in results)
    contact = Contact.objects.get(email="wang.wu@acme.test")
    assert contact.name == "Wang Wu (other worker)"  # the one the other worker committed
    assert results[0].inbound.ticket.requester == contact
    assert results[0].inbound.ticket.organisation == world.org
    assert Membership.objects.filter(contact=contact, organisation=world.org).count() == 1


def test_the_unsorted_organisation_created_concurrently_is_read(monkeypatch, no_one_by_one):
    world = make_mail_world()

    def other_worker():
        make_org("Unsorted email senders")  # committed (autocommit) before the batch needs it
        return threading.Thread(target=lambda: None)

    _prefetch_then(monkeypatch, other_worker)
    results = batch.ingest_many(
        [build(sender="Stranger <someone@elsewhere.test>", message_id="<s-1@elsewhere.test>")],
        via=Via.IMAP,
        mailbox=world.mailbox,
    )
    assert no_one_by_one == []
    ticket = results[0].inbound.ticket
    assert ticket.organisation.name == "Unsorted email senders"
    assert ticket.requester.memberships.get().organisation == ticket.organisation


def test_insert_unless_taken_inserts_once_and_reports_the_taken_key():
    org = make_org("Insert once")
    first = Contact(email="once@acme.test", name="Once")
    assert insert_unless_taken(first) is True
    assert first.pk is not None and not first._state.adding
    assert Contact.objects.get(pk=first.pk).created_at is not None  # auto_now_add applied as by save()
    again = Contact(email="once@acme.test", name="Twice")
    assert insert_unless_taken(again) is False and again.pk is None
    assert Contact.objects.filter(email="once@acme.test").count() == 1
    assert insert_unless_taken(Membership(contact=first, organisation=org)) is True
    assert insert_unless_taken(Membership(contact=first, organisation=org)) is False
