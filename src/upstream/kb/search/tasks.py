"""Search background work: reindex documents after a save (enqueued by schedule_reindex on commit, once per
transaction: reindex_batch; reindex_documents is kept for tasks queued before), and the
periodic catch-up (registered in SearchConfig.ready) that repairs whatever a lost or failed task left behind, and
the periodic embedding backfill for the semantic reranker."""

from __future__ import annotations

from django_tasks import task

from upstream.kb.search import index


@task()
def reindex_documents(kind: str, ids: list[int]) -> int:
    return index.reindex(kind, ids)


@task()
def reindex_batch(items: dict[str, list[int]]) -> int:
    """What one transaction (or one events.batch()) queued: {kind: ids}."""
    return sum(index.reindex(kind, ids) for kind, ids in items.items() if ids)


@task()
def catch_up() -> int:
    return index.catch_up()


@task()
def embed_backfill() -> int:
    """Store the semantic reranker's vectors of documents indexed (or changed) since the last run, for up to
    semantic.BACKFILL_SECONDS (periodic, every minute; nothing to do when the model is off or cannot load)."""
    import time

    from upstream.kb.search import dense, semantic

    if not semantic.enabled():
        return 0
    # Articles first: candidates by meaning (dense.py) scan only stored article vectors, and a knowledge base is
    # small next to the tickets, which can take hours to embed.
    started = time.monotonic()
    done = 0
    for kind in dense.KINDS:
        done += semantic.backfill(kind=kind, seconds=semantic.BACKFILL_SECONDS)
    left = semantic.BACKFILL_SECONDS - (time.monotonic() - started)
    if left > 0:
        done += semantic.backfill(seconds=left)
    return done
