"""Language: the header switch (saved as the user's preference), and pages in Simplified Chinese."""

# Fixtures are imported from web_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest
from django.conf import settings
from django.urls import reverse

from upstream.accounts.models import User
from upstream.core.testing import make_agent, make_contact, make_org, make_ticket
from upstream.tickets.tests.web_world import fast_passwords, login  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_chinese_page_shows_chinese_strings(client, fast_passwords):
    agent = make_agent(language="zh-hans")
    body = login(client, agent).get(reverse("tickets:inbox", args=["open"])).content.decode()
    assert 'lang="zh-Hans"' in body
    assert "收件箱" in body and "全部未关闭" in body and "退出" in body
    assert "Inbox" not in body.replace('lang="en">English', "")


def test_switch_saves_the_preference_and_redirects_back(client, fast_passwords):
    agent = make_agent()
    login(client, agent)
    response = client.post(reverse("accounts:set_language"), {"language": "zh-hans", "next": "/inbox/mine/"})
    assert response.status_code == 302 and response["Location"] == "/inbox/mine/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert User.objects.get(id=agent.id).language == "zh-hans"
    assert "我的" in client.get("/inbox/mine/").content.decode()

    client.post(reverse("accounts:set_language"), {"language": "en", "next": "/inbox/mine/"})
    assert User.objects.get(id=agent.id).language == "en"
    assert "Mine" in client.get("/inbox/mine/").content.decode()


def test_switch_refuses_other_sites_as_next(client, fast_passwords):
    login(client, make_agent())
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] != "https://evil.example/"


def test_anonymous_visitors_switch_by_cookie(client):
    client.post(reverse("accounts:set_language"), {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get(reverse("accounts:login")).content.decode()


def test_choice_labels_and_activity_are_translated(client, fast_passwords):
    org = make_org()
    contact = make_contact(org)
    ticket = make_ticket(contact, org, priority=3)
    contact.user.language = "zh-hans"
    contact.user.save()
    body = login(client, contact).get(reverse("tickets:portal_detail", args=[ticket.reference])).content.decode()
    assert "新建" in body  # status New
    assert "P3 – 普通" in body
