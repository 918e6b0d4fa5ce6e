"""A search embeds at most a few candidates itself: when more have no stored vectors (a large import the backfill job
has not reached), it keeps the lexical order at once instead of embedding for seconds, and stores nothing."""

import pytest

from upstream.kb.search import semantic
from upstream.kb.search.models import Document
from upstream.kb.search.query import Scope, search
from upstream.kb.search.tests.conftest import KIND

pytestmark = pytest.mark.django_db

EVERYTHING = Scope((KIND,), ("public", "customers", "internal"))


@pytest.fixture(autouse=True)
def semantic_on(settings):
    settings.SEARCH_SEMANTIC = True
    if not semantic.enabled():
        pytest.skip("the embedding model is not installed")
    semantic._CACHE.clear()
    yield
    semantic._CACHE.clear()


@pytest.fixture
def proxies(indexed):
    for number in range(1, 7):
        indexed(number, f"Proxy guide {number}", f"proxy timeout {'step ' * number}")


def test_over_the_limit_the_lexical_order_is_kept_and_nothing_is_embedded(proxies, monkeypatch):
    monkeypatch.setattr(semantic, "MAX_EMBED_PER_SEARCH", 3)
    lexical = [hit.object_id for hit in search("proxy timeout", scope=EVERYTHING, rerank=False, log=False).hits]
    hits = search("proxy timeout", scope=EVERYTHING, rerank=True, log=False).hits
    assert [hit.object_id for hit in hits] == lexical
    assert all(hit.semantic is None for hit in hits)
    assert not Document.objects.filter(embedding__isnull=False).exists()


def test_within_the_limit_the_missing_ones_are_embedded_and_stored(proxies, monkeypatch):
    monkeypatch.setattr(semantic, "MAX_EMBED_PER_SEARCH", 6)
    hits = search("proxy timeout", scope=EVERYTHING, rerank=True, log=False).hits
    assert hits and all(hit.semantic is not None for hit in hits)
    assert Document.objects.filter(embedding__isnull=False).count() == 6


def test_once_the_backfill_has_run_every_candidate_is_reranked(proxies, monkeypatch):
    monkeypatch.setattr(semantic, "MAX_EMBED_PER_SEARCH", 0)
    semantic.backfill()
    hits = search("proxy timeout", scope=EVERYTHING, rerank=True, log=False).hits
    assert hits and all(hit.semantic is not None for hit in hits)
