"""The requester rates a resolved ticket in the portal; nobody else can rate or see another's survey."""

from __future__ import annotations

import pytest
from django.test import Client

from upstream.core.testing import PASSWORD, make_contact, make_org
from upstream.customers.models import Membership
from upstream.surveys.tests.survey_world import make_world, resolved_ticket, survey_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def survey(world, django_capture_on_commit_callbacks):
    return survey_of(resolved_ticket(world, django_capture_on_commit_callbacks))


def login(contact) -> Client:
    client = Client()
    assert client.login(username=contact.user.username, password=PASSWORD)
    return client


def test_the_requester_sees_the_prompt_and_rates_in_place(world, survey):
    client = login(world.customer)
    page = client.get(f"/portal/tickets/{survey.ticket.reference}/")
    assert page.status_code == 200 and b"Rate this ticket" in page.content
    response = client.post(f"/surveys/tickets/{survey.ticket.reference}/rate/", {"score": "4", "comment": "ok"})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.score, survey.comment, survey.answered_by) == (4, "ok", world.customer.user)
    page = client.get(f"/portal/tickets/{survey.ticket.reference}/")
    assert b"Your rating" in page.content and b"4/5" in page.content
    # A second rating changes nothing.
    client.post(f"/surveys/tickets/{survey.ticket.reference}/rate/", {"score": "1"})
    survey.refresh_from_db()
    assert survey.score == 4


def test_an_out_of_range_score_in_the_portal_is_refused(world, survey):
    client = login(world.customer)
    response = client.post(f"/surveys/tickets/{survey.ticket.reference}/rate/", {"score": "9"}, follow=True)
    assert b"Choose a rating from 1 to 5." in response.content
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_an_organisation_admin_colleague_sees_the_ticket_but_cannot_rate_it(world, survey):
    Membership.objects.filter(contact=world.colleague).update(is_admin=True)
    client = login(world.colleague)
    page = client.get(f"/portal/tickets/{survey.ticket.reference}/")
    assert page.status_code == 200 and b"Rate this ticket" not in page.content
    response = client.post(f"/surveys/tickets/{survey.ticket.reference}/rate/", {"score": "1"})
    assert response.status_code == 404
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_contact_of_another_organisation_gets_a_404(survey):
    stranger = make_contact(make_org("Other Co"))
    client = login(stranger)
    assert client.post(f"/surveys/tickets/{survey.ticket.reference}/rate/", {"score": "1"}).status_code == 404
    assert client.get(f"/portal/tickets/{survey.ticket.reference}/").status_code == 404
    assert client.get(f"/surveys/organisations/{survey.organisation_id}/").status_code == 302
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_reopened_ticket_is_rated_only_once_resolved_again(world, survey):
    from upstream.tickets import services
    from upstream.tickets.models import Status

    services.change_status(by=world.agent, ticket=survey.ticket, status=Status.OPEN)
    client = login(world.customer)
    assert b"Rate this ticket" not in client.get(f"/portal/tickets/{survey.ticket.reference}/").content
    client.post(f"/surveys/tickets/{survey.ticket.reference}/rate/", {"score": "5"})
    survey.refresh_from_db()
    assert survey.answered_at is None
