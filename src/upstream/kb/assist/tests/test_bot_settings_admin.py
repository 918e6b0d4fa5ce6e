"""Admins configure the answer bot per channel and plan in the admin; a confidence outside 0–1 is refused."""

import pytest
from django.test import Client

from upstream.core.testing import PASSWORD, make_admin, make_plan
from upstream.kb.assist.models import AnswerBotSettings

pytestmark = pytest.mark.django_db


def test_an_admin_limits_the_bot_to_email_and_one_plan():
    plan = make_plan("Enterprise")
    client = Client()
    client.login(username=make_admin(is_staff=True, is_superuser=True).username, password=PASSWORD)
    AnswerBotSettings.current()
    url = "/admin/kb_assist/answerbotsettings/1/change/"
    assert client.get(url).status_code == 200
    data = {"enabled": "on", "channels": ["email"], "plans": [plan.id], "min_confidence": "0.6", "max_articles": "2"}
    assert client.post(url, data).status_code == 302
    settings = AnswerBotSettings.current()
    assert settings.bot_channels() == ["email"] and list(settings.plans.all()) == [plan]
    assert client.post(url, {**data, "min_confidence": "7"}).status_code == 200  # the form again, with an error
    assert AnswerBotSettings.current().min_confidence == 0.6
