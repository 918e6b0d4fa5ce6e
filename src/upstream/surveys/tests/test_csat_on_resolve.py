"""Resolving a ticket creates one CSAT survey and queues an email with five one-click links, in the customer's
language."""

from __future__ import annotations

import pytest
from django.db.models import Q

from upstream.notifications.models import OutboundEmail
from upstream.surveys import tokens
from upstream.surveys.models import CsatSurvey, SurveySettings
from upstream.surveys.tests.survey_world import make_world, resolved_ticket, survey_of
from upstream.tickets import services
from upstream.tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def _survey_mails(ticket):
    # "How did we do?" ends in a full-width question mark in Chinese.
    return OutboundEmail.objects.filter(Q(subject__contains="?") | Q(subject__contains="？"), ticket=ticket)


def test_resolving_creates_a_survey_for_the_requester_and_the_assignee(world, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(world, django_capture_on_commit_callbacks)
    survey = survey_of(ticket)
    assert (survey.contact, survey.organisation, survey.agent, survey.team) == (
        world.customer, world.org, world.agent, world.team,
    )  # fmt: skip
    assert survey.score is None and survey.answered_at is None and survey.sent_at is not None
    mail = _survey_mails(ticket).get()
    assert mail.to == ["li.na@acme.test"]
    for score in range(1, 6):
        assert f"?score={score}" in mail.body_text
    token = mail.body_text.split("/surveys/r/csat/")[1].split("/")[0]
    assert tokens.read_token("csat", token, max_age_days=30).survey_id == survey.id


def test_the_email_is_in_chinese_for_a_chinese_speaking_customer(world, django_capture_on_commit_callbacks):
    world.customer.user.language = "zh-hans"
    world.customer.user.save()
    ticket = resolved_ticket(world, django_capture_on_commit_callbacks)
    mail = _survey_mails(ticket).get()
    # The catalogue is compiled by the release, so the test checks the language the mail was rendered and tagged in.
    assert mail.language == "zh-hans"


def test_an_answered_survey_is_not_asked_again_when_the_ticket_is_resolved_again(
    world, django_capture_on_commit_callbacks
):
    ticket = resolved_ticket(world, django_capture_on_commit_callbacks)
    survey = survey_of(ticket)
    CsatSurvey.objects.filter(id=survey.id).update(score=4, answered_at=survey.sent_at)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(by=world.agent, ticket=ticket, status=Status.OPEN)
        services.change_status(by=world.agent, ticket=ticket, status=Status.RESOLVED)
    assert CsatSurvey.objects.filter(ticket=ticket).count() == 1
    assert _survey_mails(ticket).count() == 1


def test_an_unanswered_survey_is_sent_again_with_the_new_assignee(world, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(world, django_capture_on_commit_callbacks)
    first = survey_of(ticket)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(by=world.agent, ticket=ticket, status=Status.OPEN)
        ticket = services.assign_ticket(by=world.agent, ticket=ticket, assignee=world.other_agent)
        services.change_status(by=world.other_agent, ticket=ticket, status=Status.RESOLVED)
    again = survey_of(ticket)
    assert again.id == first.id and again.agent == world.other_agent and again.sent_at >= first.sent_at
    assert _survey_mails(ticket).count() == 2


def test_closing_a_resolved_ticket_does_not_ask_again(world, django_capture_on_commit_callbacks):
    ticket = resolved_ticket(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(by=world.agent, ticket=ticket, status=Status.CLOSED)
    assert _survey_mails(ticket).count() == 1


def test_closing_an_open_ticket_directly_asks_too(world, django_capture_on_commit_callbacks):
    from upstream.core.testing import make_ticket

    ticket = make_ticket(world.customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(by=world.agent, ticket=ticket, status=Status.CLOSED)
    assert CsatSurvey.objects.filter(ticket=ticket).exists()


def test_no_survey_when_csat_is_switched_off(world, django_capture_on_commit_callbacks):
    SurveySettings.objects.update_or_create(pk=1, defaults={"csat_enabled": False})
    ticket = resolved_ticket(world, django_capture_on_commit_callbacks)
    assert not CsatSurvey.objects.filter(ticket=ticket).exists()
    assert not _survey_mails(ticket).exists()


def test_other_status_changes_ask_nothing(world, django_capture_on_commit_callbacks):
    from upstream.core.testing import make_ticket

    ticket = make_ticket(world.customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(by=world.agent, ticket=ticket, status=Status.WAITING_CUSTOMER)
    assert not CsatSurvey.objects.exists()
