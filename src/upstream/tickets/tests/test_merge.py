"""Merging a duplicate ticket into another: messages move with their times and attachments, both sides are noted and
logged, the source is closed and points at the target; who may merge what, and every refusal."""

# Fixtures are imported by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

from datetime import UTC, datetime, timedelta

import pytest

from upstream import events
from upstream.core import clock
from upstream.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from upstream.core.testing import make_ticket, upload
from upstream.tickets import services
from upstream.tickets.models import Activity, MessageKind, Status, Ticket
from upstream.tickets.tests.web_world import World, fast_passwords, world  # noqa: F401

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def at(monkeypatch):
    def set_time(hours: float) -> datetime:
        moment = T0 + timedelta(hours=hours)
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return set_time


@pytest.fixture
def pair(world: World, at):
    """Two tickets of organisation A: the source (created first, with an attachment) and the target."""
    at(0)
    source = services.open_ticket(
        by=world.alice.user,
        new=services.NewTicket(organisation=world.org_a, requester=world.alice, subject="Down", body="It is down."),
        uploads=[upload("trace.txt", b"trace")],
    )
    at(1)
    services.reply(by=world.agent_a, ticket=source, body="Looking")
    at(2)
    target = make_ticket(world.colleague, world.org_a, subject="Also down")
    at(3)
    return source, target


def test_messages_move_with_their_times_and_attachments(world, pair):
    source, target = pair
    before = list(source.messages.order_by("id").values_list("id", "created_at", "body_text"))
    services.merge_tickets(by=world.agent_a, source=source, target=target)
    moved = list(target.messages.filter(id__in=[m[0] for m in before]).order_by("id"))
    assert [(m.id, m.created_at, m.body_text) for m in moved] == before
    assert all(m.merged_from_id == source.id for m in moved)
    assert moved[0].attachments.get().filename == "trace.txt"
    # Only the note about the merge stays on the source.
    assert [m.body_text for m in source.messages.all()] == [f"Merged into {target.reference}."]


def test_both_sides_get_a_note_and_an_activity_entry(world, pair, at):
    source, target = pair
    moment = at(3)
    services.merge_tickets(by=world.agent_a, source=source, target=target)
    note = target.messages.filter(kind=MessageKind.INTERNAL).get()
    assert note.body_text == f"Merged {source.reference} into this ticket." and note.author_user == world.agent_a
    assert source.messages.get().kind == MessageKind.INTERNAL
    on_target = Activity.objects.get(ticket=target, action="merged")
    assert on_target.field == "merged_tickets" and on_target.after["name"] == source.reference
    assert on_target.created_at == moment and on_target.actor == world.agent_a
    on_source = Activity.objects.get(ticket=source, action="merged")
    assert on_source.field == "merged_into" and on_source.after == {"id": target.id, "name": target.reference}


def test_the_source_is_closed_and_points_at_the_target(world, pair, at):
    source, target = pair
    moment = at(3)
    result = services.merge_tickets(by=world.agent_a, source=source, target=target)
    assert result.id == target.id
    source.refresh_from_db()
    assert source.status == Status.CLOSED and source.closed_at == moment
    assert source.merged_into_id == target.id and source.merged_at == moment
    assert Activity.objects.filter(ticket=source, field="status", after=Status.CLOSED).exists()
    assert list(target.merged_tickets.all()) == [source]


def test_the_target_keeps_its_requester_and_takes_the_earliest_first_response(world, pair):
    source, target = pair
    services.merge_tickets(by=world.agent_a, source=source, target=target)
    target.refresh_from_db()
    source.refresh_from_db()
    assert target.requester == world.colleague and target.status == Status.NEW
    assert target.first_responded_at == source.first_responded_at == T0 + timedelta(hours=1)


def test_both_tickets_are_announced(world, pair, monkeypatch):
    source, target = pair
    emitted = []
    monkeypatch.setattr(events, "emit", lambda name, **payload: emitted.append((name, payload["ticket_id"])))
    services.merge_tickets(by=world.agent_a, source=source, target=target)
    assert ("ticket.updated", source.id) in emitted and ("ticket.updated", target.id) in emitted


def test_a_closed_source_can_be_merged(world, pair):
    source, target = pair
    services.change_status(by=world.agent_a, ticket=source, status=Status.CLOSED)
    services.merge_tickets(by=world.agent_a, source=source, target=target)
    assert Ticket.objects.get(id=source.id).merged_into_id == target.id


def test_customers_cannot_merge(world, pair):
    source, target = pair
    with pytest.raises(Forbidden):
        services.merge_tickets(by=world.a_admin.user, source=source, target=target)


def test_an_agent_who_cannot_see_a_ticket_gets_not_found(world, pair):
    source, target = pair
    with pytest.raises(NotFound):
        services.merge_tickets(by=world.agent_b, source=source, target=target)
    with pytest.raises(NotFound):
        services.merge_tickets(by=world.agent_b, source=world.ticket_b, target=target)


def test_tickets_of_two_organisations_cannot_be_merged(world, pair):
    source, _ = pair
    with pytest.raises(InvalidInput) as error:
        services.merge_tickets(by=world.admin, source=source, target=world.ticket_b)
    assert error.value.field == "target" and world.ticket_b.reference in error.value.message


@pytest.mark.parametrize("case", ["itself", "target closed", "target merged", "source merged"])
def test_refusals_are_conflicts_with_a_clear_message(world, pair, case):
    source, target = pair
    if case == "itself":
        target, expected = source, "into itself"
    elif case == "target closed":
        services.change_status(by=world.agent_a, ticket=target, status=Status.CLOSED)
        expected = "is closed"
    elif case == "target merged":
        services.merge_tickets(by=world.agent_a, source=target, target=world.ticket_a)
        target.refresh_from_db()
        expected = f"merge into {world.ticket_a.reference} instead"
    else:
        services.merge_tickets(by=world.agent_a, source=source, target=world.ticket_a)
        source.refresh_from_db()
        expected = f"already merged into {world.ticket_a.reference}"
    with pytest.raises(Conflict) as error:
        services.merge_tickets(by=world.agent_a, source=source, target=target)
    assert expected in error.value.message


def test_nothing_changes_when_a_merge_is_refused(world, pair):
    source, _ = pair
    with pytest.raises(InvalidInput):
        services.merge_tickets(by=world.admin, source=source, target=world.ticket_b)
    source.refresh_from_db()
    assert source.status != Status.CLOSED and source.merged_into_id is None
    assert source.messages.count() == 2


def test_a_ticket_merged_twice_keeps_every_earlier_clock_on_record(world, pair, at):
    source, target = pair
    services.merge_tickets(by=world.agent_a, source=source, target=target)
    at(4)
    services.merge_tickets(by=world.agent_a, source=target, target=world.ticket_a)
    entry = Activity.objects.get(ticket=world.ticket_a, action="merged")
    assert [s["id"] for s in entry.after["sources"]] == [target.id, source.id]
    # Messages remember the ticket they were first written on.
    origins = set(world.ticket_a.messages.exclude(merged_from=None).values_list("merged_from_id", flat=True))
    assert origins == {source.id, target.id}
