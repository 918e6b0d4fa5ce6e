from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from upstream import events
from upstream.core import clock
from upstream.core.testing import make_admin, make_agent, make_two_organisations
from upstream.events import Event
from upstream.kb.search import index, tasks
from upstream.kb.search.models import Document, Pending
from upstream.kb.search.query import search
from upstream.kb.search.ticket_source import NOTE, TICKET, TicketSource, on_ticket_event
from upstream.tickets import services
from upstream.tickets.models import MessageKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lexical_only")]


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_two_organisations()


def refs(result):
    return sorted(hit.extra["reference"] for hit in result.hits)


@pytest.mark.smoke
def test_tickets_are_indexed_on_commit_and_found_only_by_those_who_may_open_them(world):
    a, b = world.ticket_a.reference, world.ticket_b.reference
    colleague = world.ticket_colleague.reference
    assert refs(search("alpha", user=world.alice.user)) == [a]  # her own, not her colleague's
    assert refs(search("alpha", user=world.a_admin.user)) == sorted([a, colleague])  # the organisation admin
    assert refs(search("bravo secret", user=world.alice.user)) == []  # another organisation's
    assert refs(search("alpha", user=world.bob.user)) == []
    assert refs(search("bravo", user=make_admin())) == [b]
    assert refs(search("alpha", user=make_agent(world.database))) == []  # routed to Platform, not their team
    assert refs(search("alpha", user=make_agent(world.platform))) == sorted([a, colleague])
    assert search("bravo", user=make_agent(world.database)).hits[0].url == f"/tickets/{b}/"
    assert search("bravo", user=world.bob.user).hits[0].url == f"/portal/tickets/{b}/"  # customers: the portal


def test_internal_notes_are_found_by_agents_only(world, django_capture_on_commit_callbacks):
    agent = make_agent(world.platform)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_note(by=agent, ticket=world.ticket_a, body="Workaround: restart the zebra daemon")
        services.reply(by=agent, ticket=world.ticket_a, body="We are looking into the giraffe logs")
    hits = search("zebra", user=agent).hits
    assert [(h.kind, h.object_id) for h in hits] == [("ticket", world.ticket_a.id)]
    assert "<mark>zebra</mark>" in hits[0].snippet_html
    assert search("zebra", user=world.alice.user).hits == []
    assert search("zebra", user=world.a_admin.user).hits == []
    assert refs(search("giraffe", user=world.alice.user)) == [world.ticket_a.reference]  # public replies are
    # One ticket shows once even when both its public text and its notes match.
    with django_capture_on_commit_callbacks(execute=True):
        services.add_note(by=agent, ticket=world.ticket_a, body="giraffe again")
    assert len(search("giraffe", user=agent).hits) == 1


@pytest.mark.smoke
def test_a_rolled_back_save_indexes_nothing(world, django_capture_on_commit_callbacks):
    before = Document.objects.count()
    admin = make_admin()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.reply(by=admin, ticket=world.ticket_a, body="walrus")
        raise RuntimeError("the save fails")
    assert callbacks == []
    assert Document.objects.count() == before
    assert not Pending.objects.exists()
    assert search("walrus", user=make_admin()).hits == []


def test_a_failed_index_task_does_not_break_the_save_and_catch_up_repairs(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(self, ids):
        raise RuntimeError("index down")

    monkeypatch.setattr(TicketSource, "load", broken)
    admin = make_admin()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.reply(by=admin, ticket=world.ticket_a, body="pelican feathers")
    assert message.id  # the reply was saved
    assert Pending.objects.filter(kind=TICKET, object_id=world.ticket_a.id).exists()
    assert search("pelican", user=admin).hits == []

    monkeypatch.undo()
    assert index.catch_up(now=clock.now()) == 0  # within the grace period the task is left to itself
    assert index.catch_up(now=clock.now() + timedelta(minutes=2)) >= 1
    assert refs(search("pelican", user=admin)) == [world.ticket_a.reference]
    assert not Pending.objects.exists()


def test_a_lost_enqueue_is_repaired_by_the_catch_up(world, monkeypatch, django_capture_on_commit_callbacks):
    class Unreachable:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("queue unreachable")

    monkeypatch.setattr(tasks, "reindex_batch", Unreachable())
    admin = make_admin()
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(by=admin, ticket=world.ticket_b, body="flamingo")
    monkeypatch.undo()
    assert search("flamingo", user=admin).hits == []
    tasks.catch_up.enqueue()  # the periodic job (immediate backend in tests): too early for this row
    # Run again later, as the clock would: the pending row is past its grace period now.
    index.catch_up(now=clock.now() + timedelta(minutes=2))
    assert refs(search("flamingo", user=admin)) == [world.ticket_b.reference]


def test_reindex_command_shows_progress_and_rebuilds(world):
    Document.objects.all().delete()
    out, err = StringIO(), StringIO()
    call_command("search", "reindex", "--batch", "2", stdout=out, stderr=err)
    assert "indexed 3 documents" in out.getvalue()  # three tickets, no internal notes yet
    assert "100%" in err.getvalue() and "3/3" in err.getvalue()
    assert Document.objects.filter(kind=TICKET).count() == 3
    assert not Document.objects.filter(kind=NOTE).exists()
    out = StringIO()
    call_command("search", "query", "alpha", "--as", world.alice.user.username, stdout=out)
    assert world.ticket_a.reference in out.getvalue()


class Recorder:
    def __init__(self):
        self.calls = []

    def enqueue(self, items):
        self.calls.append(items)


def test_ticket_events_queue_in_one_statement_and_one_task_per_transaction(
    world, monkeypatch, django_capture_on_commit_callbacks, django_assert_num_queries
):
    recorder = Recorder()
    monkeypatch.setattr(tasks, "reindex_batch", recorder)
    Pending.objects.all().delete()
    a, b = world.ticket_a.id, world.ticket_b.id
    public = world.ticket_a.messages.filter(kind=MessageKind.PUBLIC).first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with django_assert_num_queries(4):  # the message's kind; savepoint, one insert, release
            on_ticket_event(Event("ticket.message_added", {"ticket_id": a, "message_id": public.id}))
        assert set(Pending.objects.values_list("kind", "object_id")) == {(TICKET, a)}  # no notes could change
        on_ticket_event(Event("ticket.updated", {"ticket_id": a, "fields": ["status"]}))
        with django_assert_num_queries(0):  # both kinds already queued by this transaction
            on_ticket_event(Event("ticket.updated", {"ticket_id": a, "fields": ["priority"]}))
        on_ticket_event(Event("ticket.updated", {"ticket_id": b, "fields": ["status"]}))
    assert len(callbacks) == 1
    assert recorder.calls == [{TICKET: sorted([a, b]), NOTE: sorted([a, b])}]
    assert Pending.objects.count() == 4


def test_a_rolled_back_savepoint_does_not_lose_the_pending_rows(world, monkeypatch, django_capture_on_commit_callbacks):
    recorder = Recorder()
    monkeypatch.setattr(tasks, "reindex_batch", recorder)
    Pending.objects.all().delete()
    a = world.ticket_a.id
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            on_ticket_event(Event("ticket.updated", {"ticket_id": a}))
            raise RuntimeError("this part of the save fails")
        assert not Pending.objects.exists()
        on_ticket_event(Event("ticket.updated", {"ticket_id": a}))
        assert Pending.objects.count() == 2
    assert recorder.calls == [{TICKET: [a], NOTE: [a]}]


def test_an_events_batch_enqueues_one_task(world, monkeypatch, django_capture_on_commit_callbacks):
    recorder = Recorder()
    monkeypatch.setattr(tasks, "reindex_batch", recorder)
    a, b = world.ticket_a.id, world.ticket_b.id
    with events.batch():
        for ticket_id in (a, b):  # one transaction per message, as the mail fetch does
            with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                on_ticket_event(Event("ticket.updated", {"ticket_id": ticket_id}))
        assert recorder.calls == []
    assert recorder.calls == [{TICKET: sorted([a, b]), NOTE: sorted([a, b])}]


def test_internal_notes_queue_both_kinds(world, monkeypatch, django_capture_on_commit_callbacks):
    recorder = Recorder()
    monkeypatch.setattr(tasks, "reindex_batch", recorder)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_note(by=make_agent(world.platform), ticket=world.ticket_b, body="heron")
    assert recorder.calls == [{TICKET: [world.ticket_b.id], NOTE: [world.ticket_b.id]}]
