"""Rebuilding a live index on PostgreSQL without stopping searches or rewriting millions of postings in place.

A rebuild of a non-empty index used to delete and insert every posting where it lay: each insertion lands at a
random place of the large (term, weight) index, so it ran at a few hundred documents a second and filled the WAL
with full-page images. Here the postings are written instead into a new table without indexes (COPY, in key order),
indexed once (one sort), and swapped in for the old table in one short transaction. Searches read the old table
until the swap. The document rows are updated in place as before (their ids are what postings point at).

What others write meanwhile: a save's reindex task still writes to the live table. At the swap, the document table
and then the postings table are locked against writers (in the order writers take them, so no deadlock; searches
only read and are not blocked), documents written since the rebuild started by anyone but the rebuild are loaded
again into the new table, postings of documents deleted meanwhile are dropped, and the tables are renamed.

If the process dies before the swap, the new table is left behind: the next rebuild or catch-up pass drops it, and
marks the documents the dead rebuild had written as "unknown" (no signature, no term weights), because their rows
describe postings that never went live; their next reindex then rewrites them whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction

from upstream.core import clock
from upstream.kb.search import index, weights
from upstream.kb.search.models import Document, Pending, Posting
from upstream.kb.search.sources import SourceDoc, get_source, kinds

log = logging.getLogger(__name__)

LIVE = index.POSTINGS_TABLE
SHADOW = f"{LIVE}_rebuild"
_SHADOW_PKEY = f"{SHADOW}_pkey"
_SHADOW_TERM = f"{SHADOW}_term"
# pg_try_advisory_lock key: one live rebuild at a time per database ("kbsr" in ASCII).
_LOCK_KEY = 0x6B627372


class RebuildRunning(RuntimeError):
    """Another process is rebuilding the index."""


def applies() -> bool:
    """A live rebuild is for PostgreSQL indexes that hold postings (an empty one is bulk loaded instead; SQLite
    installs are small enough to rewrite in place)."""
    return connection.vendor == "postgresql" and Posting.objects.exists()


def rebuild(kind: str | None, *, batch: int, progress: index.Progress | None) -> int:
    """index.rebuild for a live PostgreSQL index: same result, written into a new table and swapped in."""
    selected = [kind] if kind else list(kinds())
    with _exclusive():
        drop_leftover()
        started = clock.now()
        wanted = {k: list(get_source(k).all_ids()) for k in selected}
        total = sum(len(ids) for ids in wanted.values())
        _create(started, selected)
        ours: dict[int, datetime] = {}
        try:
            done = 0
            if progress:
                progress(0, total)
            for k, ids in wanted.items():
                _drop_stale(k, set(ids), batch)
                for chunk in index._batches(ids, batch):
                    loading = clock.now()
                    ours.update(_write(k, chunk, get_source(k).load(chunk), loading))
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            _build_indexes()
            _swap(started, ours)
        except BaseException:
            _abandon(started)
            raise
    index.refresh_stats()
    return done


@contextmanager
def _exclusive() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        if not cursor.fetchone()[0]:
            raise RebuildRunning("another process is rebuilding the search index; try again when it has finished")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def _exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [SHADOW])
        return bool(cursor.fetchone()[0])


def drop_leftover() -> bool:
    """Drop the table of a rebuild that died before its swap, marking the documents it wrote as unknown (see the
    module's docstring). Returns whether there was one. Safe to call while no rebuild runs (the catch-up job checks
    the advisory lock first: leftover_is_abandoned)."""
    if not _exists():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [SHADOW])
        comment = cursor.fetchone()[0]
    log.warning("dropping the table of an interrupted search rebuild (%s)", comment)
    started = _parse_started(comment)
    with transaction.atomic():
        if started is not None:
            Document.objects.filter(indexed_at__gte=started).update(signature="", term_weights="")
        else:  # no start time: every document becomes unknown, which is slow but never wrong
            Document.objects.update(signature="", term_weights="")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_q(SHADOW)}")
    return True


def leftover_is_abandoned() -> bool:
    """A leftover table exists and no process holds the rebuild lock (for the catch-up job)."""
    if connection.vendor != "postgresql" or not _exists():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        free = bool(cursor.fetchone()[0])
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    return free


def _parse_started(comment: str | None) -> datetime | None:
    prefix = "search rebuild started "
    if not comment or not comment.startswith(prefix):
        return None
    try:
        return datetime.fromisoformat(comment[len(prefix) :])
    except ValueError:
        return None


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _create(started: datetime, selected: Sequence[str]) -> None:
    """The new table, without indexes, holding the postings of the kinds not rebuilt (copied as they are)."""
    rebuilt = [weights.kind_code(k) for k in selected]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {_q(SHADOW)} (LIKE {_q(LIVE)} INCLUDING DEFAULTS)")
        cursor.execute(f"COMMENT ON TABLE {_q(SHADOW)} IS %s", [f"search rebuild started {started.isoformat()}"])
        cursor.execute(
            f"INSERT INTO {_q(SHADOW)} ({index.POSTING_COLUMNS}) SELECT {index.POSTING_COLUMNS} FROM {_q(LIVE)} "
            "WHERE NOT (kind = ANY(%s)) ORDER BY term, weight DESC",
            [rebuilt],
        )


def _drop_stale(kind: str, keep: set[int], batch: int) -> None:
    """Documents of `kind` the source no longer has: removed from the live index now (the new table never gets
    their postings)."""
    stale = [i for i in Document.objects.filter(kind=kind).values_list("object_id", flat=True) if i not in keep]
    for chunk in index._batches(stale, batch):
        index.write(kind, chunk, [])


def _write(kind: str, ids: Sequence[int], docs: Sequence[SourceDoc], loading: datetime) -> dict[int, datetime]:
    """One batch: every posting into the new table, the document rows (with the weights of those postings) in
    place; pending rows queued before `loading` (when the source was read) are done. Returns document id → the
    indexed_at written, so the swap can tell others' writes from ours."""
    analysed = [index.analyse(doc) for doc in docs if doc.kind == kind]
    stats = index.current_stats()
    now = clock.now()
    loaded = {a.doc.object_id for a in analysed}
    id_list = sorted(set(ids) | loaded)
    rows = {a.doc.object_id: list(index._rows(a.doc.object_id, a, stats)) for a in analysed}
    term_weights = {oid: index._encode_weights({row[1]: row[2] for row in item}) for oid, item in rows.items()}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")  # derived data, as in index.write
        existing = dict(
            Document.objects.select_for_update()
            .filter(kind=kind, object_id__in=id_list)
            .values_list("object_id", "signature")
        )
        gone = [i for i in id_list if i not in loaded and i in existing]
        if gone:
            index.write(kind, gone, [])
        changed = {a.doc.object_id for a in analysed if existing.get(a.doc.object_id) != a.signature}
        doc_ids = index.upsert_documents(analysed, term_weights, now, changed)
        if any(pk is None for pk in doc_ids.values()):
            doc_ids = dict(
                Document.objects.filter(kind=kind, object_id__in=sorted(loaded)).values_list("object_id", "id")
            )
        index.insert_postings(
            ((doc_ids[object_id], *rest) for item in rows.values() for object_id, *rest in item), table=SHADOW
        )
        Pending.objects.filter(kind=kind, object_id__in=id_list, queued_at__lte=loading).delete()
    return {doc_id: now for doc_id in doc_ids.values() if doc_id is not None}


def _build_indexes() -> None:
    """The live table's primary key and (term, weight) index, built once on the new table under temporary names
    (index names are unique per schema), then its statistics and visibility map (index-only scans)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
            cursor.execute(f"ALTER TABLE {_q(SHADOW)} ADD CONSTRAINT {_q(_SHADOW_PKEY)} PRIMARY KEY (doc_id, term)")
        with connection.schema_editor(atomic=False) as editor:
            statement = index._term_index().create_sql(Posting, editor)
            statement.rename_table_references(LIVE, SHADOW)
            statement.parts["name"] = editor.quote_name(_SHADOW_TERM)
            editor.execute(statement)
    with connection.cursor() as cursor:
        # VACUUM cannot run inside a transaction (tests run in one): ANALYZE alone then.
        cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {_q(SHADOW)}")


def _live_names() -> tuple[str, str]:
    """The live table's primary key constraint and term index names, as its migrations made them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [LIVE])
        pkey = cursor.fetchone()[0]
    return pkey, index._TERM_INDEX


def _swap(started: datetime, ours: dict[int, datetime]) -> None:
    pkey, term_index = _live_names()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Writers lock document rows, then write postings: take the tables in that order.
            cursor.execute(f"LOCK TABLE {_q(Document._meta.db_table)} IN EXCLUSIVE MODE")
            cursor.execute(f"LOCK TABLE {_q(LIVE)} IN EXCLUSIVE MODE")
            cursor.execute(
                f"SELECT id, kind, object_id, indexed_at FROM {_q(Document._meta.db_table)} WHERE indexed_at >= %s",
                [started],
            )
            theirs: dict[str, list[int]] = {}
            for doc_id, kind, object_id, indexed_at in cursor.fetchall():
                if ours.get(doc_id) != indexed_at:
                    theirs.setdefault(kind, []).append(object_id)
        _rewrite_theirs(theirs)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_q(SHADOW)} s WHERE NOT EXISTS "
                f"(SELECT 1 FROM {_q(Document._meta.db_table)} d WHERE d.id = s.doc_id)"
            )
            cursor.execute(f"ALTER TABLE {_q(LIVE)} RENAME TO {_q(LIVE + '_old')}")
            cursor.execute(f"ALTER TABLE {_q(SHADOW)} RENAME TO {_q(LIVE)}")
            cursor.execute(f"DROP TABLE {_q(LIVE + '_old')}")
            cursor.execute(f"ALTER TABLE {_q(LIVE)} RENAME CONSTRAINT {_q(_SHADOW_PKEY)} TO {_q(pkey)}")
            cursor.execute(f"ALTER INDEX {_q(_SHADOW_TERM)} RENAME TO {_q(term_index)}")
            cursor.execute(f"COMMENT ON TABLE {_q(LIVE)} IS NULL")
    if theirs:
        log.info(
            "search rebuild: %s documents written by others meanwhile, loaded again", sum(map(len, theirs.values()))
        )


def _rewrite_theirs(theirs: dict[str, list[int]]) -> None:
    """Documents others indexed during the rebuild: loaded from their source again, their postings in the new
    table replaced (their live postings may have been diffed against weights the rebuild wrote)."""
    for kind, object_ids in theirs.items():
        try:
            source = get_source(kind)
        except KeyError:
            continue
        doc_ids = list(Document.objects.filter(kind=kind, object_id__in=object_ids).values_list("id", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_q(SHADOW)} WHERE doc_id = ANY(%s)", [doc_ids])
        for chunk in index._batches(sorted(object_ids), 500):
            loading = clock.now()
            _write(kind, chunk, source.load(chunk), loading)


def _abandon(started: datetime) -> None:
    """The rebuild failed before its swap: leave the live table as it was and forget what was written for the new
    one."""
    try:
        if connection.in_atomic_block and connection.needs_rollback:
            return  # the enclosing transaction is rolled back anyway, and with it the new table
        drop_leftover()
    except Exception:
        log.exception("could not clean up after a failed search rebuild; the catch-up job will")
