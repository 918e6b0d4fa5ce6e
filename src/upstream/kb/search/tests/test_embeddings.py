"""Stored embeddings: the backfill job fills them after indexing, the rerank reads them instead of embedding, a text
change or a model change makes them be computed again, and the rerank stores what it had to compute. The model is
the real one (bundled, offline); nothing here asserts timings."""

from __future__ import annotations

import pytest

from upstream.kb.search import index, semantic, tasks
from upstream.kb.search.models import Document, Stats
from upstream.kb.search.query import Scope, search
from upstream.kb.search.tests.conftest import KIND

pytestmark = pytest.mark.django_db

EVERYTHING = Scope((KIND,), ("public", "customers", "internal"))


@pytest.fixture(autouse=True)
def semantic_on(settings):
    settings.SEARCH_SEMANTIC = True
    semantic._CACHE.clear()
    yield
    semantic._CACHE.clear()


@pytest.fixture
def embedded_calls(monkeypatch):
    """How many passages the document side embedded (queries are embedded by embed_query, not counted)."""
    calls: list[int] = []
    real = semantic.embed_passages

    def counting(texts):
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(semantic, "embed_passages", counting)
    return calls


def stored() -> dict[int, tuple[bool, str]]:
    rows = Document.objects.values_list("object_id", "embedding", "embedding_model")
    return {object_id: (embedding is not None, model) for object_id, embedding, model in rows}


def test_the_backfill_stores_vectors_and_the_rerank_reads_them(indexed, embedded_calls):
    indexed(1, "Reset your password", "- I forgot my password\n- How do I change my password?")
    indexed(2, "Card delivery", "- Where is my new card?\n- My card has not arrived")
    assert stored() == {1: (False, ""), 2: (False, "")}  # indexing never waits for the model
    assert semantic.backfill() == 2
    assert stored() == {1: (True, semantic.MODEL_ID), 2: (True, semantic.MODEL_ID)}
    assert semantic.backfill() == 0
    embedded_calls.clear()
    result = search("i can't remember my password", scope=EVERYTHING, rerank=True, log=False)
    assert [hit.object_id for hit in result.hits][:1] == [1]
    assert result.hits[0].semantic is not None
    assert embedded_calls == []  # every candidate's vectors came from the index
    assert "_stored" not in result.hits[0].extra and "_body" not in result.hits[0].extra


def test_stored_vectors_match_what_the_rerank_would_compute(indexed):
    indexed(1, "Reset your password", "- I forgot my password")
    semantic.backfill()
    document = Document.objects.get()
    fresh = semantic.from_bytes(semantic.to_bytes(semantic.embed_document(document.title, document.body)))
    assert semantic.from_bytes(document.embedding) == pytest.approx(fresh, abs=1e-6)


def test_a_text_change_clears_the_vectors_and_a_status_change_keeps_them(indexed, articles):
    indexed(1, "Reset your password", "- I forgot my password", extra={"status": "open"})
    semantic.backfill()
    articles.add(1, "Reset your password", "- I forgot my password", extra={"status": "solved"})
    index.reindex(KIND, [1])
    assert stored() == {1: (True, semantic.MODEL_ID)}
    articles.add(1, "Reset your password", "- I forgot my password\n- Locked out of my account")
    index.reindex(KIND, [1])
    assert stored() == {1: (False, "")}
    assert semantic.backfill() == 1


def test_the_rerank_computes_and_stores_what_the_backfill_has_not_reached(indexed, embedded_calls):
    indexed(1, "Reset your password", "- I forgot my password")
    search("forgot password", scope=EVERYTHING, rerank=True, log=False)
    assert embedded_calls and stored() == {1: (True, semantic.MODEL_ID)}
    embedded_calls.clear()
    search("forgot password", scope=EVERYTHING, rerank=True, log=False)
    assert embedded_calls == []


def test_a_model_change_recomputes_every_vector_once(indexed, monkeypatch, embedded_calls):
    indexed(1, "Reset your password", "- I forgot my password")
    indexed(2, "Card delivery", "- Where is my new card?")
    semantic.backfill()
    assert Stats.objects.get(id=1).embedding_model == semantic.MODEL_ID
    monkeypatch.setattr(semantic, "MODEL_ID", "e5-small-next")
    embedded_calls.clear()
    result = search("forgot my password", scope=EVERYTHING, rerank=True, log=False)
    assert embedded_calls  # the old model's vectors are not compared with the new model's query
    assert result.hits[0].object_id == 1
    assert semantic.backfill() == 1  # document 1 was stored by the search; document 2 is cleared and redone
    assert {m for _e, m in stored().values()} == {"e5-small-next"}
    assert Stats.objects.get(id=1).embedding_model == "e5-small-next"
    assert semantic.forget_other_models() == 0


def test_backfill_limits_and_the_periodic_task(indexed, settings):
    for number in range(1, 6):
        indexed(number, f"Article {number}", f"- question {number}")
    assert semantic.backfill(limit=2, batch=1) == 2
    assert tasks.embed_backfill.call() == 3
    settings.SEARCH_SEMANTIC = False
    Document.objects.update(embedding=None, embedding_model="")
    assert tasks.embed_backfill.call() == 0
    assert stored()[1] == (False, "")


def test_the_embed_command(indexed):
    from io import StringIO

    from django.core.management import call_command

    indexed(1, "Reset your password", "- I forgot my password")
    out = StringIO()
    call_command("search", "embed", stdout=out)
    assert "embedded 1 documents" in out.getvalue()
    assert stored() == {1: (True, semantic.MODEL_ID)}


def test_the_query_is_embedded_once_while_the_sql_runs(indexed, monkeypatch):
    indexed(1, "Reset your password", "- I forgot my password")
    semantic.backfill()
    calls: list[str] = []
    real = semantic.embed_query

    def counting(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(semantic, "embed_query", counting)
    result = search("forgot password", scope=EVERYTHING, rerank=True, log=False)
    assert calls == ["forgot password"] and result.hits[0].semantic is not None
    # A query none of whose words is indexed is still embedded: articles may be found by meaning (dense.py).
    assert search("zzzz", scope=EVERYTHING, rerank=True, log=False).hits == [] and len(calls) == 2
