"""Keyset pagination returns every row exactly once, in order, whatever the page size."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upstream.core.errors import InvalidInput
from upstream.core.pagination import decode_cursor, encode_cursor, paginate
from upstream.core.testing import make_admin, make_contact, make_org, make_ticket
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets():
    org = make_org()
    contact = make_contact(org)
    admin = make_admin()
    made = [make_ticket(contact, org, by=admin, priority=p) for p in (3, 1, 4, 2, 3, 1, 3, 2, 4, 4, 1)]
    # Equal created_at values exercise the tie-break on id.
    Ticket.objects.filter(id__in=[t.id for t in made[:5]]).update(created_at=made[0].created_at)
    return made


def _walk(order, size):
    seen, cursor = [], None
    while True:
        page = paginate(Ticket.objects.all(), order, cursor=cursor, size=size)
        seen.extend(t.id for t in page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.smoke
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(size=st.integers(min_value=1, max_value=12))
def test_pages_cover_all_rows_in_order(tickets, size):
    for order in (("priority", "created_at", "id"), ("-id",)):
        expected = list(Ticket.objects.order_by(*order).values_list("id", flat=True))
        assert _walk(order, size) == expected


def test_mixed_directions_are_refused(tickets):
    with pytest.raises(ValueError):
        paginate(Ticket.objects.all(), ("priority", "-id"), cursor=None, size=5)


@pytest.mark.parametrize("cursor", ["not-base64!!", encode_cursor([1]), "W10", "eyJhIjoxfQ"])
def test_malformed_cursor_is_invalid_input(tickets, cursor):
    with pytest.raises(InvalidInput):
        paginate(Ticket.objects.all(), ("priority", "created_at", "id"), cursor=cursor, size=5)


def test_cursor_round_trip_keeps_datetimes(tickets):
    values = [2, tickets[0].created_at, 7]
    assert decode_cursor(encode_cursor(values), 3) == values
