"""Admins edit the survey settings and the return-visit questions in the admin."""

from __future__ import annotations

import pytest
from django.test import Client

from upstream.accounts.models import User
from upstream.surveys.models import ReturnVisitQuestion, SurveySettings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _migration_defaults():
    """The defaults a migrated database holds. A transactional test elsewhere in the same worker may have flushed
    them away; post_migrate puts them back, and this makes the tests here independent of which ran before."""
    from django.apps import apps

    from upstream.surveys.apps import restore_defaults

    restore_defaults(apps.get_app_config("surveys"), apps=apps)


@pytest.fixture
def admin_client():
    User.objects.create_superuser("root", "root@vendor.test", "pw", role="admin")
    client = Client()
    client.login(username="root", password="pw")
    return client


def test_the_settings_are_one_editable_row(admin_client):
    settings_row = SurveySettings.current()
    url = f"/admin/surveys/surveysettings/{settings_row.pk}/change/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {
        "csat_enabled": "on", "csat_low_threshold": "3", "link_expiry_days": "14", "nps_enabled": "on",
        "nps_cadence_days": "120", "nps_min_days_between": "90", "return_visits_enabled": "on",
        "return_visit_after_days": "45",
    })  # fmt: skip
    assert response.status_code == 302
    settings_row.refresh_from_db()
    assert (settings_row.csat_low_threshold, settings_row.link_expiry_days) == (3, 14)
    assert admin_client.get("/admin/surveys/surveysettings/add/").status_code == 403


def test_an_out_of_range_threshold_is_refused(admin_client):
    url = f"/admin/surveys/surveysettings/{SurveySettings.current().pk}/change/"
    response = admin_client.post(url, {
        "csat_low_threshold": "5", "link_expiry_days": "0", "nps_cadence_days": "90", "nps_min_days_between": "60",
        "return_visit_after_days": "30",
    })  # fmt: skip
    assert response.status_code == 200
    assert SurveySettings.current().csat_low_threshold == 2


def test_questions_are_listed_and_editable(admin_client):
    assert admin_client.get("/admin/surveys/returnvisitquestion/").status_code == 200
    question = ReturnVisitQuestion.objects.first()
    assert admin_client.get(f"/admin/surveys/returnvisitquestion/{question.id}/change/").status_code == 200
