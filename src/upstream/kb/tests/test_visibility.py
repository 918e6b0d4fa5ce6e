"""Who reads what: anonymous → public; customers → public and customers-only; staff → everything. Drafts, articles in
review and internal articles are a 404 for readers (never a 403), on the pages and in the API."""

import pytest
from django.urls import reverse

from upstream.core.testing import api_client
from upstream.kb import queries

pytestmark = pytest.mark.django_db

READERS = ["anonymous", "customer", "agent"]
EXPECTED = {
    "anonymous": {"public"},
    "customer": {"public", "customers_only"},
    "agent": {"public", "customers_only", "internal", "draft", "in_review"},
}
ALL = ["public", "customers_only", "internal", "draft", "in_review"]


def _user(world, reader):
    return {"anonymous": None, "customer": world.customer_user, "agent": world.agent}[reader]


@pytest.mark.smoke
@pytest.mark.parametrize("reader", READERS)
def test_queries(kb_world, reader):
    from django.contrib.auth.models import AnonymousUser

    user = _user(kb_world, reader) or AnonymousUser()
    visible = set(queries.visible_articles(user).values_list("id", flat=True))
    assert visible == {getattr(kb_world, name).id for name in EXPECTED[reader]}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("name", ALL)
def test_article_pages(client, kb_world, reader, name):
    user = _user(kb_world, reader)
    if user:
        client.force_login(user)
    article = getattr(kb_world, name)
    response = client.get(article.get_absolute_url())
    assert response.status_code == (200 if name in EXPECTED[reader] else 404)
    if response.status_code == 404:
        assert article.title not in response.content.decode()


@pytest.mark.parametrize("reader", ["customer", "agent"])
@pytest.mark.parametrize("name", ALL)
def test_api_detail(kb_world, reader, name):
    article = getattr(kb_world, name)
    response = api_client(_user(kb_world, reader)).get(f"/api/kb/articles/{article.id}")
    assert response.status_code == (200 if name in EXPECTED[reader] else 404)


@pytest.mark.parametrize("reader", ["customer", "agent"])
def test_api_list(kb_world, reader):
    listed = {item["id"] for item in api_client(_user(kb_world, reader)).get("/api/kb/articles").json()["items"]}
    assert listed == {getattr(kb_world, name).id for name in EXPECTED[reader]}


def test_api_needs_authentication(client, kb_world):
    assert client.get("/api/kb/articles").status_code == 401


@pytest.mark.parametrize("reader", READERS)
def test_portal_home_lists_only_readable_articles(client, kb_world, reader):
    user = _user(kb_world, reader)
    if user:
        client.force_login(user)
    page = client.get(reverse("kb:home"), {"lang": "en"}).content.decode()
    shown = {name for name in ALL if getattr(kb_world, name).title in page}
    # The portal lists published articles only, even to staff (they manage drafts under /kb/manage/).
    assert shown == EXPECTED[reader] - {"draft", "in_review"}


@pytest.mark.parametrize("reader", READERS)
def test_search_never_shows_unreadable_articles(client, kb_world, reader):
    user = _user(kb_world, reader)
    if user:
        client.force_login(user)
    page = client.get(reverse("kb:home"), {"q": "guide runbook backups failover"}).content.decode()
    for name in ALL:
        if name not in EXPECTED[reader] or name in ("draft", "in_review"):
            assert getattr(kb_world, name).title not in page


def test_staff_see_a_banner_on_unpublished_articles(client, kb_world):
    client.force_login(kb_world.agent)
    page = client.get(kb_world.draft.get_absolute_url()).content.decode()
    assert "only staff can see it" in page


def test_customers_are_sent_away_from_the_management_pages(client, kb_world):
    client.force_login(kb_world.customer_user)
    assert client.get(reverse("kb:manage")).status_code == 302
    assert client.post(reverse("kb:workflow", args=[kb_world.draft.id]), {"action": "submit"}).status_code == 403
    assert client.get(reverse("kb:edit", args=[kb_world.draft.id])).status_code == 302
