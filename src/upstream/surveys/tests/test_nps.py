"""NPS: who is asked when, the answer link, and the monthly trend per organisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from upstream.core.testing import PASSWORD, make_contact, make_contract, make_org
from upstream.customers.models import ContractStatus
from upstream.notifications.models import EmailAddressState, OutboundEmail
from upstream.surveys import nps, queries, tokens
from upstream.surveys.models import NpsSurvey, SurveySettings
from upstream.surveys.tests.survey_world import make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 1, 0, tzinfo=UTC)


@pytest.fixture
def world():
    return make_world()


def asked(contact):
    return NpsSurvey.objects.filter(contact=contact)


def test_contacts_of_entitled_organisations_are_asked_once_per_gap(world):
    SurveySettings.objects.update_or_create(pk=1, defaults={"nps_cadence_days": 90, "nps_min_days_between": 60})
    now = datetime.combine(datetime.now(UTC).date(), datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
    assert nps.send_due(now) == 2
    survey = asked(world.customer).get()
    assert survey.organisation == world.org
    mail = OutboundEmail.objects.get(to=["li.na@acme.test"])
    assert "/surveys/r/nps/" in mail.body_text and "?score=10" in mail.body_text
    # The same day, and 89 days later: nobody again.
    assert nps.send_due(now) == 0
    assert nps.send_due(now + timedelta(days=89)) == 0
    assert nps.send_due(now + timedelta(days=90)) == 2  # the cadence has passed; the contract still runs
    assert asked(world.customer).count() == 2


def test_contacts_without_an_entitling_contract_or_with_a_bouncing_address_are_not_asked(world):
    lapsed = make_org("Lapsed")
    make_contract(lapsed, status=ContractStatus.EXPIRED)
    former = make_contact(lapsed, email="former@lapsed.test")
    nobody = make_contact(make_org("No contract"), email="x@none.test")
    EmailAddressState.objects.create(email="wang@acme.test", undeliverable=True, updated_at=NOW)
    now = datetime.now(UTC)
    nps.send_due(now)
    assert asked(world.customer).exists()
    assert not asked(world.colleague).exists()
    assert not asked(former).exists() and not asked(nobody).exists()


def test_nothing_is_sent_when_nps_is_off(world):
    SurveySettings.objects.update_or_create(pk=1, defaults={"nps_enabled": False})
    assert nps.send_due(datetime.now(UTC)) == 0
    assert not NpsSurvey.objects.exists()


def test_the_minimum_gap_is_respected_whatever_the_cadence(world):
    SurveySettings.objects.update_or_create(pk=1, defaults={"nps_cadence_days": 7, "nps_min_days_between": 30})
    now = datetime.now(UTC)
    nps.send_due(now)
    nps.send_due(now + timedelta(days=8))
    assert asked(world.customer).count() == 1
    nps.send_due(now + timedelta(days=30))
    assert asked(world.customer).count() == 2


def _survey(world, score=None, answered_at=None):
    return NpsSurvey.objects.create(
        contact=world.customer, organisation=world.org, sent_at=answered_at or NOW, score=score,
        answered_at=answered_at,
    )  # fmt: skip


def test_the_link_records_a_0_to_10_answer_once(world):
    survey = _survey(world)
    url = reverse("surveys:nps_link", kwargs={"token": tokens.make_token("nps", survey.id)})
    client = Client()
    page = client.get(url + "?score=9")
    assert page.status_code == 200 and b'value="9"' in page.content
    assert client.post(url, {"score": "11"}).status_code == 400
    assert client.post(url, {"score": "-1"}).status_code == 400
    survey.refresh_from_db()
    assert survey.answered_at is None
    assert client.post(url, {"score": "0", "comment": "Too expensive"}).status_code == 200
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (0, "Too expensive")
    assert client.post(url, {"score": "10"}).status_code == 409
    survey.refresh_from_db()
    assert survey.score == 0


def test_a_csat_token_does_not_open_an_nps_survey(world):
    survey = _survey(world)
    url = reverse("surveys:nps_link", kwargs={"token": tokens.make_token("csat", survey.id)})
    assert Client().post(url, {"score": "5"}).status_code == 404


def test_monthly_trend_per_organisation(world):
    for month, scores in ((4, [10, 9, 3]), (5, [8, 7]), (6, [10])):
        for score in scores:
            _survey(world, score, datetime(2026, month, 10, tzinfo=UTC))
    _survey(world)  # not answered
    trend = queries.nps_trend(world.org.id, now=NOW)
    assert [(row.month.month, row.figures.score) for row in trend] == [(4, 33.3), (5, 0.0), (6, 100.0)]
    assert [row.figures.responses for row in trend] == [3, 2, 1]
    rows = queries.nps_by_organisation()
    assert rows[0].organisation_id == world.org.id and rows[0].figures.responses == 6


def test_the_organisation_page_shows_the_trend_to_staff_only(world, django_assert_max_num_queries):
    for day in range(1, 20):
        _survey(world, day % 11, datetime(2026, 5, day, tzinfo=UTC))
    staff = Client()
    staff.login(username="lead", password=PASSWORD)
    with django_assert_max_num_queries(20):
        page = staff.get(f"/surveys/organisations/{world.org.id}/")
    assert page.status_code == 200 and b"NPS trend" in page.content
    customer = Client()
    customer.login(username=world.customer.user.username, password=PASSWORD)
    assert customer.get(f"/surveys/organisations/{world.org.id}/").status_code == 302
