"""List pages and list endpoints run a fixed number of queries, however many articles they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from upstream.core.testing import api_client, make_product
from upstream.kb.tests.factories import make_article

pytestmark = pytest.mark.django_db


def more_articles(world, n=12):
    extra = make_product("Extra")
    for index in range(n):
        make_article(by=world.agent, title=f"More {index}", category=world.category, products=[world.product, extra])


def constant(get, world, django_assert_max_num_queries):
    get()
    with CaptureQueriesContext(connection) as few:
        get()
    more_articles(world)
    with django_assert_max_num_queries(len(few)):
        response = get()
    return response


def test_portal_home(client, kb_world, django_assert_max_num_queries):
    client.force_login(kb_world.customer_user)
    response = constant(lambda: client.get(reverse("kb:home")), kb_world, django_assert_max_num_queries)
    assert "More 11" in response.content.decode()


def test_manage_list(client, kb_world, django_assert_max_num_queries):
    client.force_login(kb_world.agent)
    response = constant(lambda: client.get(reverse("kb:manage")), kb_world, django_assert_max_num_queries)
    assert "More 11" in response.content.decode()


def test_api_list(kb_world, django_assert_max_num_queries):
    api = api_client(kb_world.agent)
    response = constant(lambda: api.get("/api/kb/articles"), kb_world, django_assert_max_num_queries)
    assert len(response.json()["items"]) == 17


def test_article_page(client, kb_world, django_assert_max_num_queries):
    # One related article first: an empty related list skips its prefetch, which would make the baseline unfair.
    make_article(by=kb_world.agent, title="First related", category=kb_world.category)
    response = constant(lambda: client.get(kb_world.public.get_absolute_url()), kb_world, django_assert_max_num_queries)
    assert "Related articles" in response.content.decode()
