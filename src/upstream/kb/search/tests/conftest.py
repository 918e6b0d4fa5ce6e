"""A throwaway article-like source ("t_article") held in memory, so the index is tested without the kb app."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from upstream.kb.search import index, sources
from upstream.kb.search.sources import SourceDoc

KIND = "t_article"


class MemorySource:
    def __init__(self) -> None:
        self.docs: dict[int, SourceDoc] = {}
        self.fail = False

    def add(self, object_id: int, title: str, body: str = "", **fields) -> SourceDoc:
        fields.setdefault("language", "en")
        fields.setdefault("visibility", "public")
        doc = SourceDoc(kind=KIND, object_id=object_id, title=title, body=body, url=f"/kb/{object_id}/", **fields)
        self.docs[object_id] = doc
        return doc

    def load(self, ids: Sequence[int]) -> list[SourceDoc]:
        if self.fail:
            raise RuntimeError("source unavailable")
        return [self.docs[i] for i in ids if i in self.docs]

    def all_ids(self) -> Iterator[int]:
        return iter(sorted(self.docs))


@pytest.fixture
def lexical_only(settings):
    """The lexical engine alone (used by test_search and test_tickets): the semantic reranker has its own tests
    and a model to load."""
    settings.SEARCH_SEMANTIC = False


@pytest.fixture
def articles():
    source = MemorySource()
    sources.register_source(KIND, source)
    yield source
    sources.unregister_source(KIND)


@pytest.fixture
def indexed(articles, db):
    """Add documents with `indexed(id, title, body, **fields)`; they are written to the index at once."""

    def add(object_id: int, title: str, body: str = "", **fields) -> SourceDoc:
        doc = articles.add(object_id, title, body, **fields)
        index.reindex(KIND, [object_id])
        index.refresh_stats()
        return doc

    return add
