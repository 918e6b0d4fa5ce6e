"""The CSAT link: GET never records (mail scanners), POST records once; reused, expired and forged links change
nothing; an out-of-range score is refused."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from upstream.surveys import tokens
from upstream.surveys.models import CsatSurvey
from upstream.surveys.tests.survey_world import make_world, resolved_ticket, survey_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def survey(world, django_capture_on_commit_callbacks):
    return survey_of(resolved_ticket(world, django_capture_on_commit_callbacks))


def url(survey_id: int) -> str:
    return reverse("surveys:csat_link", kwargs={"token": tokens.make_token("csat", survey_id)})


def test_get_shows_the_clicked_score_preselected_and_records_nothing(survey):
    response = Client().get(url(survey.id) + "?score=4")
    assert response.status_code == 200
    assert b'value="4"' in response.content and b"checked" in response.content
    survey.refresh_from_db()
    assert survey.answered_at is None and survey.score is None


def test_post_records_score_and_comment_once(survey):
    client = Client()
    response = client.post(url(survey.id), {"score": "5", "comment": "Quick and friendly"})
    assert response.status_code == 200
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (5, "Quick and friendly")
    assert survey.answered_at is not None

    again = client.post(url(survey.id), {"score": "1", "comment": "changed my mind"})
    assert again.status_code == 409
    assert b"already been answered" in again.content
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (5, "Quick and friendly")
    # Opening the used link again says so too.
    assert b"already been answered" in client.get(url(survey.id)).content


@pytest.mark.parametrize("score", ["0", "6", "-1", "abc", "", "4.5"])
def test_an_out_of_range_score_is_refused_and_nothing_is_saved(survey, score):
    response = Client().post(url(survey.id), {"score": score, "comment": "x"})
    assert response.status_code == 400
    survey.refresh_from_db()
    assert survey.answered_at is None and survey.score is None and survey.comment == ""


def test_a_forged_link_shows_a_clear_page(survey):
    token = tokens.make_token("csat", survey.id)
    for bad in (token[:-3] + "xyz", "garbage", tokens.make_token("nps", survey.id)):
        response = Client().post(f"/surveys/r/csat/{bad}/", {"score": "1"})
        assert response.status_code == 404
        assert b"not valid" in response.content
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_link_to_a_deleted_survey_is_not_valid(survey):
    path = url(survey.id)
    CsatSurvey.objects.filter(id=survey.id).delete()
    assert Client().get(path).status_code == 404


def test_an_expired_link_shows_a_clear_page_and_records_nothing(survey, monkeypatch):
    path = url(survey.id)
    later = time.time() + 31 * tokens.DAY
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = Client().post(path, {"score": "2"})
    assert response.status_code == 410
    assert b"expired" in response.content
    survey.refresh_from_db()
    assert survey.answered_at is None
