"""Translations share a group: at most one article per language; the article page links the other language."""

import pytest
from django.urls import reverse

from upstream.core.errors import Conflict
from upstream.kb import queries, services
from upstream.kb.models import Status
from upstream.kb.tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_create_as_translation_and_page_links(client, kb_world):
    zh = make_article(by=kb_world.agent, title="复制延迟排查", language="zh-hans", translation_of=kb_world.public)
    assert zh.translation_group == kb_world.public.translation_group
    page = client.get(kb_world.public.get_absolute_url()).content.decode()
    assert zh.get_absolute_url() in page and "复制延迟排查" in page and 'hreflang="zh-Hans"' in page


def test_unpublished_translation_is_not_linked_for_readers(client, kb_world):
    make_article(
        by=kb_world.agent, title="草稿译文", language="zh-hans", translation_of=kb_world.public, status=Status.DRAFT
    )
    assert "草稿译文" not in client.get(kb_world.public.get_absolute_url()).content.decode()
    assert [a.title for a in queries.translations_of(kb_world.public, kb_world.agent)] == ["草稿译文"]


def test_same_language_twice_is_a_conflict(kb_world):
    with pytest.raises(Conflict):
        make_article(by=kb_world.agent, title="Another English", translation_of=kb_world.public)


def test_link_existing_articles(kb_world):
    zh = make_article(by=kb_world.agent, title="独立的中文文章", language="zh-hans")
    services.link_translation(by=kb_world.agent, article=kb_world.public, translation=zh)
    zh.refresh_from_db()
    assert zh.translation_group == kb_world.public.translation_group
    with pytest.raises(Conflict):
        services.link_translation(by=kb_world.agent, article=kb_world.public, translation=kb_world.customers_only)


def test_changing_language_into_a_taken_one_is_a_conflict(kb_world):
    zh = make_article(by=kb_world.agent, title="中文", language="zh-hans", translation_of=kb_world.public)
    with pytest.raises(Conflict):
        services.update_article(by=kb_world.agent, article=zh, fields=services.ArticleFields(language="en"))


def test_editor_offers_the_missing_language(client, kb_world):
    client.force_login(kb_world.agent)
    page = client.get(reverse("kb:edit", args=[kb_world.public.id])).content.decode()
    assert f"?translation_of={kb_world.public.id}" in page
    response = client.get(reverse("kb:new"), {"translation_of": kb_world.public.id})
    assert response.context["form"].initial["language"] == "zh-hans"


def test_api_create_translation(kb_world):
    from upstream.core.testing import api_client

    client = api_client(kb_world.agent)
    response = client.post(
        "/api/kb/articles",
        {"title": "公开复制指南", "language": "zh-hans", "translation_of": kb_world.public.id},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["translation_group"] == str(kb_world.public.translation_group)
    assert [t["id"] for t in client.get(f"/api/kb/articles/{kb_world.public.id}").json()["translations"]] == [
        response.json()["id"]
    ]
    again = client.post(
        "/api/kb/articles",
        {"title": "又一个", "language": "zh-hans", "translation_of": kb_world.public.id},
        content_type="application/json",
    )
    assert again.status_code == 409
