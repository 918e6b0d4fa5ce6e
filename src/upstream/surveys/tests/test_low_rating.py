"""A low rating notifies the team lead (admins when there is none), who can reopen the ticket with one button."""

from __future__ import annotations

import pytest
from django.test import Client

from upstream.core.errors import Conflict, Forbidden, InvalidInput
from upstream.core.testing import PASSWORD, make_admin
from upstream.notifications.models import Notification
from upstream.surveys import csat
from upstream.surveys.models import SurveySettings
from upstream.surveys.tests.survey_world import make_world, resolved_ticket, survey_of
from upstream.tickets import services
from upstream.tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def survey(world, django_capture_on_commit_callbacks):
    return survey_of(resolved_ticket(world, django_capture_on_commit_callbacks))


def test_a_low_rating_notifies_the_team_lead(world, survey):
    csat.answer(survey, score=1, comment="Nobody read my logs")
    note = Notification.objects.get(user=world.lead)
    assert "1/5" in note.text and survey.ticket.reference in note.text and "Nobody read my logs" in note.text
    assert note.ticket == survey.ticket
    survey.refresh_from_db()
    assert survey.lead_notified_at is not None
    assert not Notification.objects.exclude(user=world.lead).exists()


def test_a_good_rating_notifies_nobody(survey):
    csat.answer(survey, score=3)
    assert not Notification.objects.exists()


def test_the_threshold_is_a_setting(world, survey):
    SurveySettings.objects.update_or_create(pk=1, defaults={"csat_low_threshold": 3})
    csat.answer(survey, score=3)
    assert Notification.objects.filter(user=world.lead).exists()


def test_without_a_lead_the_admins_are_notified(world, survey):
    admin = make_admin()
    world.team.lead = None
    world.team.save()
    survey.refresh_from_db()
    csat.answer(survey, score=2)
    assert list(Notification.objects.values_list("user", flat=True)) == [admin.id]


def test_a_bad_score_through_the_service_is_refused(survey):
    for score in (0, 6, None, "5"):
        with pytest.raises(InvalidInput):
            csat.answer(survey, score=score)
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_the_lead_reopens_the_ticket_after_a_low_rating(world, survey):
    csat.answer(survey, score=1)
    survey.refresh_from_db()
    csat.reopen(by=world.lead, survey=survey)
    survey.ticket.refresh_from_db()
    assert survey.ticket.status == Status.OPEN
    assert survey.ticket.activities.filter(actor=world.lead, field="status", after=Status.OPEN).exists()
    with pytest.raises(Conflict):
        csat.reopen(by=world.lead, survey=survey)


def test_only_the_lead_or_an_admin_may_reopen(world, survey):
    csat.answer(survey, score=1)
    survey.refresh_from_db()
    with pytest.raises(Forbidden):
        csat.reopen(by=world.agent, survey=survey)
    csat.reopen(by=make_admin(), survey=survey)


def test_a_good_rating_or_a_closed_ticket_cannot_be_reopened(world, survey):
    csat.answer(survey, score=5)
    survey.refresh_from_db()
    with pytest.raises(Conflict):
        csat.reopen(by=world.lead, survey=survey)


def test_a_closed_ticket_is_final(world, survey):
    csat.answer(survey, score=1)
    services.change_status(by=world.agent, ticket=survey.ticket, status=Status.CLOSED)
    survey.refresh_from_db()
    with pytest.raises(Conflict):
        csat.reopen(by=world.lead, survey=survey)


def test_the_ticket_page_shows_the_rating_and_the_lead_gets_the_button(world, survey):
    csat.answer(survey, score=2, comment="Too slow")
    lead = Client()
    lead.login(username="lead", password=PASSWORD)
    page = lead.get(f"/tickets/{survey.ticket.reference}/")
    assert page.status_code == 200
    assert b"2/5" in page.content and b"Too slow" in page.content and b"Reopen the ticket" in page.content

    agent = Client()
    agent.login(username="agent", password=PASSWORD)
    page = agent.get(f"/tickets/{survey.ticket.reference}/")
    assert b"2/5" in page.content and b"Reopen the ticket" not in page.content

    response = lead.post(f"/surveys/csat/{survey.id}/reopen/")
    assert response.status_code == 302
    survey.ticket.refresh_from_db()
    assert survey.ticket.status == Status.OPEN


def test_an_agent_posting_the_reopen_button_is_refused(world, survey):
    csat.answer(survey, score=1)
    agent = Client()
    agent.login(username="agent", password=PASSWORD)
    assert agent.post(f"/surveys/csat/{survey.id}/reopen/").status_code == 403
    survey.ticket.refresh_from_db()
    assert survey.ticket.status == Status.RESOLVED
