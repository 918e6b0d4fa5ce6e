"""Search indexing: only published articles are documents; a save never fails because indexing failed."""

import pytest

from upstream.kb import services
from upstream.kb.models import Article, Status
from upstream.kb.search_source import ArticleSource
from upstream.kb.tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_source_loads_only_published_articles(kb_world):
    docs = ArticleSource().load([kb_world.public.id, kb_world.draft.id, kb_world.internal.id, 10**12])
    by_id = {doc.object_id: doc for doc in docs}
    assert set(by_id) == {kb_world.public.id, kb_world.internal.id}
    public = by_id[kb_world.public.id]
    assert public.kind == "article" and public.visibility == "public" and public.language == "en"
    assert public.url == kb_world.public.get_absolute_url() and public.product_ids == (kb_world.product.id,)
    assert "helpful" in public.body and "<strong>" not in public.body
    assert by_id[kb_world.internal.id].url == kb_world.internal.manage_url()


def test_all_ids_are_the_published_ones(kb_world):
    published = set(Article.objects.filter(status=Status.PUBLISHED).values_list("id", flat=True))
    assert set(ArticleSource().all_ids()) == published


def test_the_source_is_registered():
    from upstream.kb.search.sources import get_source

    assert isinstance(get_source("article"), ArticleSource)


def test_every_change_schedules_a_reindex(kb_world, monkeypatch):
    calls = []
    monkeypatch.setattr("upstream.kb.search.index.schedule_reindex", lambda kind, oid: calls.append((kind, oid)))
    article = make_article(by=kb_world.agent, status=Status.PUBLISHED)
    article_id = article.id
    services.update_article(by=kb_world.agent, article=article, fields=services.ArticleFields(title="New"))
    services.unpublish(by=kb_world.agent, article=article)
    services.delete_article(by=kb_world.agent, article=article)
    assert calls == [("article", article_id)] * 6  # create, submit, publish, update, unpublish, delete


@pytest.mark.smoke
def test_saving_survives_a_broken_index(kb_world, monkeypatch):
    def broken(kind, object_id):
        raise RuntimeError("index is down")

    monkeypatch.setattr("upstream.kb.search.index.schedule_reindex", broken)
    article = make_article(by=kb_world.agent, title="Saved anyway", status=Status.PUBLISHED)
    services.update_article(by=kb_world.agent, article=article, fields=services.ArticleFields(body_markdown="x"))
    assert Article.objects.get(id=article.id).title == "Saved anyway"


def test_saved_articles_become_searchable_after_commit(kb_world, django_capture_on_commit_callbacks):
    from upstream.kb import queries

    with django_capture_on_commit_callbacks(execute=True):
        make_article(by=kb_world.agent, title="Vacuum freeze wraparound", body="autovacuum and xid wraparound")
    hits = queries.search_articles(kb_world.customer_user, "wraparound")
    assert [hit.article.title for hit in hits] == ["Vacuum freeze wraparound"]


def test_search_falls_back_to_the_database_when_the_index_fails(kb_world, monkeypatch):
    from upstream.kb import queries

    def broken(*args, **kwargs):
        raise RuntimeError("index is down")

    monkeypatch.setattr("upstream.kb.search.query.search", broken)
    hits = queries.search_articles(None, "replication")
    assert [hit.article.id for hit in hits] == [kb_world.public.id]
