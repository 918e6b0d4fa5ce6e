"""A fetch's messages are stored and routed a batch per transaction (`batch.ingest_many`): the same outcomes as one
by one — threading (also onto a ticket opened earlier in the same batch), dedupe (against stored messages and within
the batch), contacts, acknowledgements and their rate limit, search pending rows — in far fewer statements; one bad
message sends the batch one by one and loses nothing; a deadlock is tried again."""

import pytest
from django.db import OperationalError, connection, transaction

from upstream.channels.email import batch, fetching
from upstream.channels.email.ingest import IngestResult, TemporaryFailure
from upstream.channels.email.models import AutoReply, InboundEmail, InboundStatus, ThreadId, Via
from upstream.channels.email.tests.mail_world import build, deliver, make_mail_world
from upstream.channels.email.tests.test_quarantine import NO_SENDER
from upstream.customers.models import Contact
from upstream.kb.search.models import Pending
from upstream.notifications.models import OutboundEmail
from upstream.tickets.models import Ticket, TicketCounter

pytestmark = pytest.mark.django_db


def ingest_many(raws, mailbox):
    results = batch.ingest_many(raws, via=Via.IMAP, mailbox=mailbox)
    assert all(isinstance(result, IngestResult) for result in results), results
    return results


def test_a_batch_opens_threads_and_dedupes_like_single_messages():
    world = make_mail_world()
    deliver(build(message_id="<stored@acme.test>", subject="Stored before"), world.mailbox)
    raws = [
        build(message_id="<new-1@acme.test>", subject="Backups fail"),
        build(message_id="<reply-1@acme.test>", subject="Re: Backups fail", in_reply_to="<new-1@acme.test>"),
        build(message_id="<new-1@acme.test>", subject="Backups fail"),  # the same message twice in one fetch
        build(message_id="<stored@acme.test>", subject="Stored before"),  # stored by an earlier delivery
        build(sender="Wang Wu <wang.wu@acme.test>", message_id="<new-2@acme.test>", subject="Second question",
              cc="Zhao Liu <zhao.liu@acme.test>"),
    ]  # fmt: skip
    results = ingest_many(raws, world.mailbox)

    assert [r.duplicate for r in results] == [False, False, True, True, False]
    assert results[2].inbound.id == results[0].inbound.id
    opened = results[0].inbound.ticket
    assert results[1].inbound.ticket == opened and opened.messages.count() == 2  # threaded within the batch
    assert InboundEmail.objects.count() == 4 and Ticket.objects.count() == 3
    assert all(r.inbound.status == InboundStatus.TICKET for r in results)
    # a new colleague by the organisation's domain, and the Cc'd colleague as a follower
    second = results[4].inbound.ticket
    assert second.requester.email == "wang.wu@acme.test"
    assert list(second.email_followers.values_list("email", flat=True)) == ["zhao.liu@acme.test"]
    assert Contact.objects.filter(email__in=["wang.wu@acme.test", "zhao.liu@acme.test"]).count() == 2
    # thread ids of what was received, and of the acknowledgements sent
    assert ThreadId.objects.filter(message_id__in=["new-1@acme.test", "reply-1@acme.test", "new-2@acme.test"]).count()
    acks = OutboundEmail.objects.filter(kind="auto_reply", ticket__in=[opened, second])
    assert acks.count() == 2
    assert all(ThreadId.objects.filter(message_id=ack.message_id).exists() for ack in acks)
    assert Pending.objects.filter(object_id__in=[opened.id, second.id]).exists()


def test_acknowledgements_stay_rate_limited_within_a_batch():
    world = make_mail_world()
    raws = [build(message_id=f"<q{n}@acme.test>", subject=f"Question {n}") for n in range(5)]
    ingest_many(raws, world.mailbox)
    assert Ticket.objects.count() == 5
    assert OutboundEmail.objects.filter(kind="auto_reply").count() == 3  # outbound.AUTO_REPLY_LIMIT
    assert AutoReply.objects.filter(address="li.na@acme.test").count() == 3


def test_a_batch_costs_far_fewer_statements_than_its_messages_alone(django_assert_max_num_queries):
    world = make_mail_world()
    deliver(build(message_id="<warm@acme.test>"), world.mailbox)  # the first ticket creates what others reuse
    raws = [build(message_id=f"<b{n}@acme.test>", subject=f"Question {n}") for n in range(10)]
    # Measured 9–10 per new ticket here (plus the test's own savepoints); one by one it is about 25.
    with django_assert_max_num_queries(10 * 12):
        ingest_many(raws, world.mailbox)
    assert Ticket.objects.count() == 11


def test_ticket_numbers_are_consecutive_and_unused_ones_given_back():
    world = make_mail_world()
    first = deliver(build(message_id="<first@acme.test>")).inbound.ticket
    raws = [
        build(message_id="<n1@acme.test>", subject="One"),
        build(message_id="<r1@acme.test>", subject="Re", in_reply_to="<first@acme.test>"),  # no number needed
        build(message_id="<n2@acme.test>", subject="Two"),
    ]
    results = ingest_many(raws, world.mailbox)
    numbers = [results[0].inbound.ticket.number, results[2].inbound.ticket.number]
    assert numbers == [first.number + 1, first.number + 2]
    assert TicketCounter.objects.get(id=1).last_number == first.number + 2  # the spare numbers came back
    assert deliver(build(message_id="<after@acme.test>")).inbound.ticket.number == first.number + 3


def test_one_bad_message_sends_the_batch_one_by_one_and_loses_nothing():
    world = make_mail_world()
    raws = [
        build(message_id="<good-1@acme.test>", subject="Good one"),
        NO_SENDER,  # readable, but routing cannot place it: quarantined
        build(message_id="<good-2@acme.test>", subject="Good two"),
    ]
    results = ingest_many(raws, world.mailbox)
    assert [r.inbound.status for r in results] == [
        InboundStatus.TICKET,
        InboundStatus.QUARANTINED,
        InboundStatus.TICKET,
    ]
    assert Ticket.objects.count() == 2 and InboundEmail.objects.count() == 3
    assert "uses_savepoints" not in connection.features.__dict__  # savepoints are back after the batch


def test_an_error_swallowed_inside_the_batch_does_not_commit_a_spoilt_transaction(monkeypatch):
    world = make_mail_world()
    real_route = batch.routing.route

    def swallowing(*args, **kwargs):
        outcome = real_route(*args, **kwargs)
        try:
            with transaction.atomic():  # no savepoint in a batch: this spoils the transaction
                raise ValueError("caught and ignored by someone")
        except ValueError:
            pass
        return outcome

    monkeypatch.setattr(batch.routing, "route", swallowing)
    results = ingest_many([build(message_id="<a@acme.test>"), build(message_id="<b@acme.test>")], world.mailbox)
    # the batch did not commit half of anything: it went one by one, where savepoints contain the error
    assert [r.inbound.status for r in results] == [InboundStatus.TICKET, InboundStatus.TICKET]
    assert Ticket.objects.count() == 2 and InboundEmail.objects.count() == 2


class Deadlock(Exception):
    sqlstate = "40P01"


def test_a_batch_that_loses_a_deadlock_is_tried_again(monkeypatch):
    world = make_mail_world()
    real = batch._commit_together
    calls = []

    def once_deadlocked(items):
        calls.append(len(items))
        if len(calls) == 1:
            raise OperationalError("deadlock detected") from Deadlock()
        return real(items)

    monkeypatch.setattr(batch, "_commit_together", once_deadlocked)
    monkeypatch.setattr(batch, "CONFLICT_PAUSE", 0)
    results = ingest_many([build(message_id="<d1@acme.test>"), build(message_id="<d2@acme.test>")], world.mailbox)
    assert calls == [2, 2]
    assert [r.duplicate for r in results] == [False, False] and Ticket.objects.count() == 2


def test_a_message_that_cannot_be_stored_now_is_reported_not_raised(monkeypatch):
    world = make_mail_world()

    def disk_full(*args, **kwargs):
        raise TemporaryFailure("OSError: no space left on device")

    monkeypatch.setattr(batch, "prepare", disk_full)
    results = batch.ingest_many([build(message_id="<x@acme.test>")], via=Via.IMAP, mailbox=world.mailbox)
    assert len(results) == 1 and isinstance(results[0], TemporaryFailure)
    assert fetching.store([build(message_id="<y@acme.test>")], world.mailbox) == [fetching.imap.Outcome.KEEP]
    assert not InboundEmail.objects.exists()


def test_batches_are_bounded_by_count_and_bytes():
    raws = [b"x" * 10] * 5 + [b"y" * 100] + [b"z" * 10]
    assert [len(b) for b in batch.batches(raws, size=3, max_bytes=50)] == [3, 2, 1, 1]


def test_a_message_that_fails_only_on_the_second_pass_is_quarantined_without_the_rolled_back_ticket(monkeypatch):
    world = make_mail_world()
    real_route = batch.routing.route
    calls: dict[str, int] = {}

    def flaky(inbound, parsed, **kwargs):
        calls[parsed.message_id] = calls.get(parsed.message_id, 0) + 1
        if parsed.message_id == "y@acme.test" or calls[parsed.message_id] > 1:
            raise RuntimeError("the database changed under us")
        return real_route(inbound, parsed, **kwargs)

    monkeypatch.setattr(batch.routing, "route", flaky)
    results = ingest_many([build(message_id="<x@acme.test>"), build(message_id="<y@acme.test>")], world.mailbox)
    # x routed in the batch, which then rolled back for y; on its own x failed too: quarantined, pointing nowhere
    assert [r.inbound.status for r in results] == [InboundStatus.QUARANTINED, InboundStatus.QUARANTINED]
    assert not Ticket.objects.exists()
    assert list(InboundEmail.objects.values_list("ticket_id", flat=True)) == [None, None]
