"""Writing the index: reindex a batch of documents, rebuild a kind, schedule a reindex from a save, catch up.

A batch is a handful of statements whatever its size: read the existing rows, delete their postings, upsert the
documents, insert the postings (COPY on PostgreSQL), clear the pending rows. Documents are analysed in Python before
the transaction opens, so locks are held only for the writes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from typing import Any

import psycopg
from django.db import connection, transaction
from django.db.models import Avg, Count

from upstream.core import clock
from upstream.kb.search import analysis, weights
from upstream.kb.search.models import Document, Pending, Posting, Stats
from upstream.kb.search.sources import ChangeTracking, SourceDoc, get_source, kinds

log = logging.getLogger(__name__)

TITLE_STORED = 500
BODY_STORED = 4000  # what snippets are cut from; the whole body is indexed up to BODY_INDEXED
BODY_INDEXED = 100_000
SORT_COPY = True
# A changed document keeps a posting whose weight moved by at most this share (see _diff).
WEIGHT_TOLERANCE = 0.05
PENDING_GRACE = timedelta(seconds=30)  # the catch-up job leaves fresh pending rows to their own task

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class Analysed:
    doc: SourceDoc
    title_terms: Counter[str]
    body_terms: Counter[str]
    title_length: int
    body_length: int
    signature: str = ""


def signature(doc: SourceDoc) -> str:
    """What a document's postings depend on, hashed (the statistics aside: weights follow them at the next change
    or rebuild, as they always lagged between refreshes)."""
    facts = f"{doc.kind}\0{doc.visibility}\0{doc.language}\0{doc.organisation_id}\0{sorted(doc.product_ids)}\0"
    digest = hashlib.blake2b(facts.encode(), digest_size=16)
    digest.update(doc.title[:TITLE_STORED].encode())
    digest.update(b"\0")
    digest.update(doc.body[:BODY_INDEXED].encode())
    return digest.hexdigest()


def analyse(doc: SourceDoc) -> Analysed:
    title = analysis.tokens(doc.title[:TITLE_STORED])
    body = analysis.tokens(doc.body[:BODY_INDEXED])
    return Analysed(doc, Counter(title), Counter(body), len(title), len(body), signature(doc))


def current_stats() -> Stats:
    stats = Stats.objects.filter(id=1).first()
    return stats or Stats(id=1)


def refresh_stats() -> Stats:
    """Recount the collection (one aggregate over the document table) and store it for queries and indexing."""
    agg = Document.objects.aggregate(n=Count("id"), title=Avg("title_length"), body=Avg("body_length"))
    stats = current_stats()
    stats.documents = agg["n"] or 0
    stats.avg_title_length = float(agg["title"] or 8.0)
    stats.avg_body_length = float(agg["body"] or 150.0)
    stats.refreshed_at = clock.now()
    # Not embedding_model: the backfill job owns it (a stale copy here must not undo its update).
    stats.save(update_fields=["documents", "avg_title_length", "avg_body_length", "refreshed_at"])
    return stats


def _seed_stats(sample: Sequence[Analysed]) -> Stats:
    """An empty index has no averages yet: take them from the first batch, so the first rebuild's weights are not
    normalised against made-up lengths."""
    stats = current_stats()
    if stats.documents == 0 and sample:
        stats.avg_title_length = max(1.0, sum(a.title_length for a in sample) / len(sample))
        stats.avg_body_length = max(1.0, sum(a.body_length for a in sample) / len(sample))
        stats.documents = len(sample)
        stats.save()
    return stats


def _rows(doc_id: int, item: Analysed, stats: Stats) -> Iterator[tuple[Any, ...]]:
    """(doc_id, term, weight, kind, visibility, language, organisation_id, product_mask) per distinct term:
    weights.posting_weight inlined, its per-document length normalisation computed once per document."""
    doc = item.doc
    kind = weights.kind_code(doc.kind)
    visibility = weights.VISIBILITY_CODES.get(doc.visibility, 2)  # unknown → the most restrictive
    language = weights.LANGUAGE_CODES.get(doc.language, 0)
    mask = weights.product_mask(doc.product_ids)
    title_factor, body_factor = weights.field_factors(
        item.title_length, item.body_length, stats.avg_title_length, stats.avg_body_length
    )
    k1, k1_plus_1 = weights.K1, weights.K1 + 1
    title_terms, body_terms = item.title_terms, item.body_terms
    for term in title_terms.keys() | body_terms.keys():
        pseudo = title_factor * title_terms.get(term, 0) + body_factor * body_terms.get(term, 0)
        yield doc_id, term, pseudo * k1_plus_1 / (k1 + pseudo), kind, visibility, language, doc.organisation_id, mask


_NULL = "\\N"  # COPY's text format for NULL
POSTINGS_TABLE = Posting._meta.db_table
POSTING_COLUMNS = "term, doc_id, weight, kind, visibility, language, organisation_id, product_mask"


def insert_postings(rows: Iterable[tuple[Any, ...]], table: str = POSTINGS_TABLE) -> None:
    """Write _rows() output into the postings table (or, for a live rebuild, into its replacement: shadow.py)."""
    if connection.vendor == "postgresql":
        # COPY with one text buffer: several times faster than a multi-row INSERT or psycopg's row-by-row writer.
        # Terms are runs of letters and digits (analysis.py), so they never contain the tab, newline or backslash
        # that COPY's text format escapes. Lines start with the term and are sorted, so the rows reach the
        # (term, weight) index in key order: each leaf page is visited once per batch instead of once per row.
        lines = [
            f"{term}\t{doc_id}\t{weight!r}\t{kind}\t{visibility}\t{language}\t{_NULL if org is None else org}\t{mask}\n"
            for doc_id, term, weight, kind, visibility, language, org, mask in rows
        ]
        if SORT_COPY:
            lines.sort()
        statement = f"COPY {connection.ops.quote_name(table)} ({POSTING_COLUMNS}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.write("".join(lines))
        return
    if table != POSTINGS_TABLE:
        raise ValueError("only PostgreSQL writes postings into another table")
    fields = ("doc_id", "term", "weight", "kind", "visibility", "language", "organisation_id", "product_mask")
    Posting.objects.bulk_create((Posting(**dict(zip(fields, row, strict=True))) for row in rows), batch_size=500)


def _document(item: Analysed, now: datetime, term_weights: str = "") -> Document:
    doc = item.doc
    return Document(
        kind=doc.kind,
        object_id=doc.object_id,
        title=doc.title[:TITLE_STORED],
        body=doc.body[:BODY_STORED],
        url=doc.url[:500],
        language=doc.language,
        visibility=doc.visibility,
        organisation_id=doc.organisation_id,
        products=_products(doc.product_ids),
        extra=doc.extra,
        title_length=item.title_length,
        body_length=item.body_length,
        source_updated_at=doc.updated_at,
        indexed_at=now,
        signature=item.signature,
        term_weights=term_weights,
    )


# Written only with new postings: the weights they hold, and the embedding cleared for the backfill job.
_REWRITTEN_FIELDS = ["term_weights", "embedding", "embedding_model"]
_DOC_FIELDS = [
    f.name
    for f in Document._meta.concrete_fields
    if f.name not in ("id", "kind", "object_id") and f.name not in _REWRITTEN_FIELDS
]


def write(
    kind: str, ids: Sequence[int], docs: Sequence[SourceDoc], *, started: datetime | None = None, force: bool = False
) -> int:
    """Make the index hold exactly `docs` for these ids of `kind` (ids without a doc are removed). Returns the
    number of documents written. The bulk entry point: reindex() and the bench call it. A document whose text and
    filter facts are unchanged keeps its postings (its row is still rewritten: url, extra, status); one whose text
    changed has only its changed postings rewritten (see _Diff). `force` (rebuild) rewrites every posting with the
    current statistics."""
    started = started or clock.now()
    analysed = [analyse(doc) for doc in docs if doc.kind == kind]
    stats = _seed_stats(analysed)
    now = clock.now()
    loaded = {a.doc.object_id for a in analysed}
    id_list = sorted(set(ids) | loaded)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The index is derived data: a crash may lose the last fraction of a second of index writes, and with
            # them the deletion of their pending rows (same transaction), so the catch-up job redoes them. Not
            # waiting for the WAL flush matters most to the one-document tasks that follow every save.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        # Locking the rows serialises two workers reindexing the same document (the second one waits here, then
        # compares against what the first one wrote).
        existing = {
            row[0]: _Existing(*row[1:])
            for row in Document.objects.select_for_update()
            .filter(kind=kind, object_id__in=id_list)
            .values_list("object_id", "id", "signature", "term_weights", *_FACT_FIELDS)
        }
        gone = [existing[i].doc_id for i in id_list if i not in loaded and i in existing]
        changed = [
            a
            for a in analysed
            if force or a.doc.object_id not in existing or existing[a.doc.object_id].signature != a.signature
        ]
        diff = _Diff(existing, force)
        for item in changed:
            diff.plan(item, stats)
        if gone or diff.rewrite_all:
            Posting.objects.filter(doc_id__in=sorted(gone + diff.rewrite_all)).delete()
        if diff.delete:
            _delete_postings(sorted(diff.delete))
        if gone:
            Document.objects.filter(id__in=gone).delete()
        if analysed:
            doc_ids = upsert_documents(analysed, diff.term_weights, now, _text_changed(analysed, existing))
            if any(pk is None for pk in doc_ids.values()):  # a backend that does not return upserted ids
                doc_ids = dict(
                    Document.objects.filter(kind=kind, object_id__in=sorted(loaded)).values_list("object_id", "id")
                )
            insert_postings((doc_ids[object_id], *rest) for object_id, *rest in diff.insert)
        # Only what was queued before we loaded: a save committed meanwhile keeps its row for the next pass.
        Pending.objects.filter(kind=kind, object_id__in=id_list, queued_at__lte=started).delete()
    return len(analysed)


_FACT_FIELDS = ("visibility", "language", "organisation_id", "products")


def _text_changed(analysed: Sequence[Analysed], existing: dict[int, _Existing]) -> set[int]:
    """Object ids whose stored embedding no longer matches their text: new documents, and those whose signature
    (text and filter facts) changed. A rebuild of unchanged documents keeps the vectors (hours of backfill)."""
    return {
        a.doc.object_id
        for a in analysed
        if a.doc.object_id not in existing or existing[a.doc.object_id].signature != a.signature
    }


@dataclass(frozen=True)
class _Existing:
    """What the index holds for a document about to be rewritten."""

    doc_id: int
    signature: str
    term_weights: str
    visibility: str
    language: str
    organisation_id: int | None
    products: str


def _products(product_ids: Sequence[int]) -> str:
    return "".join(f" {p}" for p in product_ids)[:199] + " " if product_ids else ""


def _facts(doc: SourceDoc) -> tuple[Any, ...]:
    return doc.visibility, doc.language, doc.organisation_id, _products(doc.product_ids)


def _encode_weights(weights_by_term: dict[str, float]) -> str:
    # Four decimals: the comparison only needs to tell a move of WEIGHT_TOLERANCE (weights are 0.01 – 2.2).
    return json.dumps({term: round(weight, 4) for term, weight in weights_by_term.items()}, separators=(",", ":"))


class _Diff:
    """Which postings a batch of changed documents needs: a new document (or `force`, or one whose filter facts
    changed, or one written before term weights were kept) gets all its postings rewritten; any other gets only the
    postings of terms that appeared or disappeared, or whose weight moved by more than WEIGHT_TOLERANCE.

    A follow-up message changes a ticket's length, and length normalisation then moves every weight a little: without
    a tolerance every posting would be rewritten, and each is an insertion at a random place of the large
    (term, weight) index. Lucene keeps a document's length in one byte (steps of about 12 %), so its weights are only
    good to a few percent too. A stored weight never drifts further than the tolerance from the exact one (each
    rewrite compares the exact new value with it), and rebuild (force) recomputes every weight. The weights written
    are kept on the document row (`Document.term_weights`), so the comparison reads no postings."""

    def __init__(self, existing: dict[int, _Existing], force: bool) -> None:
        self.existing, self.force = existing, force
        self.rewrite_all: list[int] = []  # document ids whose postings are all deleted
        self.delete: list[tuple[int, str]] = []  # (document id, term)
        self.insert: list[tuple[Any, ...]] = []  # _rows output with the object id in place of the document id
        self.term_weights: dict[int, str] = {}  # object id → Document.term_weights for every changed document

    def plan(self, item: Analysed, stats: Stats) -> None:
        object_id = item.doc.object_id
        rows = list(_rows(object_id, item, stats))
        old = self.existing.get(object_id)
        stored = self._stored(old, item)
        if stored is None:
            if old is not None:
                self.rewrite_all.append(old.doc_id)
            self.insert += rows
            self.term_weights[object_id] = _encode_weights({row[1]: row[2] for row in rows})
            return
        assert old is not None
        written: dict[str, float] = {}
        for row in rows:
            term, weight = row[1], row[2]
            before = stored.pop(term, None)
            if before is not None and abs(before - weight) <= WEIGHT_TOLERANCE * max(before, weight):
                written[term] = before
                continue
            if before is not None:
                self.delete.append((old.doc_id, term))
            self.insert.append(row)
            written[term] = weight
        self.delete += [(old.doc_id, term) for term in stored]  # terms the text no longer has
        self.term_weights[object_id] = _encode_weights(written)

    def _stored(self, old: _Existing | None, item: Analysed) -> dict[str, float] | None:
        """The weights the index holds for this document, when a diff against them is possible."""
        if old is None or self.force or not old.term_weights:
            return None
        if (old.visibility, old.language, old.organisation_id, old.products) != _facts(item.doc):
            return None  # the filter columns of every posting change
        try:
            decoded = json.loads(old.term_weights)
        except ValueError:
            return None
        return decoded if isinstance(decoded, dict) else None


def upsert_documents(
    analysed: Sequence[Analysed], term_weights: dict[int, str], now: datetime, text_changed: set[int]
) -> dict[int, int | None]:
    """Write the document rows in (at most) three upserts: documents whose postings are kept (their term weights and
    embedding stay as they are), documents whose postings were rewritten although their signature is the same (a
    rebuild: new term weights, the embedding kept, since it is computed from the same text), and documents whose
    signature changed, `text_changed` (new term weights, the embedding cleared for the background job,
    semantic.backfill). Returns object id → document id (None where the backend does not return upserted ids)."""
    kept: tuple[list[Document], list[str]] = ([], _DOC_FIELDS)
    reweighted: tuple[list[Document], list[str]] = ([], [*_DOC_FIELDS, "term_weights"])
    fresh: tuple[list[Document], list[str]] = ([], _DOC_FIELDS + _REWRITTEN_FIELDS)
    groups = (kept, reweighted, fresh)
    for item in analysed:
        object_id = item.doc.object_id
        if object_id not in term_weights:
            kept[0].append(_document(item, now))
        else:
            group = fresh if object_id in text_changed else reweighted
            group[0].append(_document(item, now, term_weights[object_id]))
    ids: dict[int, int | None] = {}
    for documents, fields in groups:
        if not documents:
            continue
        if connection.vendor == "postgresql":
            ids.update(_upsert_unnest(documents, fields))
            continue
        Document.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=fields,
            batch_size=1000,
        )
        ids.update((d.object_id, d.pk) for d in documents)
    return ids


def _upsert_unnest(documents: Sequence[Document], fields: Sequence[str]) -> dict[int, int]:
    """PostgreSQL: one INSERT … SELECT FROM unnest(one array per column) ON CONFLICT DO UPDATE. Same rows as
    bulk_create(update_conflicts=True), with 18 parameters instead of 18 per document: building and parsing a
    statement of 18,000 placeholders took a third of a 1,000-document batch."""
    by_name = {f.name: f for f in Document._meta.concrete_fields}
    # A new row gets every column (there are no database defaults); an existing one only `fields`.
    columns = [f for f in Document._meta.concrete_fields if not f.primary_key]
    arrays: list[str] = []
    selected: list[str] = []
    params: list[list[Any]] = []
    for number, column in enumerate(columns):
        db_type = column.db_type(connection)
        if db_type == "jsonb":  # sent as text, cast per row
            arrays.append("%b::text[]")
            selected.append(f"c{number}::jsonb")
            params.append([json.dumps(getattr(d, column.attname), ensure_ascii=False) for d in documents])
        else:
            arrays.append(f"%b::{db_type}[]")
            selected.append(f"c{number}")
            params.append([column.get_db_prep_save(getattr(d, column.attname), connection) for d in documents])
    quote = connection.ops.quote_name
    names = ", ".join(quote(c.column) for c in columns)
    updates = ", ".join(f"{quote(by_name[n].column)} = EXCLUDED.{quote(by_name[n].column)}" for n in fields)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    sql = (
        f"INSERT INTO {quote(Document._meta.db_table)} ({names}) "
        f"SELECT {', '.join(selected)} FROM unnest({', '.join(arrays)}) AS u({aliases}) "
        f"ON CONFLICT (kind, object_id) DO UPDATE SET {updates} RETURNING object_id, id"
    )
    connection.ensure_connection()
    # A server-side binding cursor: Django's binds on the client, quoting each array element through a regex.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _delete_postings(keys: Sequence[tuple[int, str]]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM kb_search_posting p USING unnest(%s::bigint[], %s::text[]) AS k(doc_id, term) "
                "WHERE p.doc_id = k.doc_id AND p.term = k.term",
                [[d for d, _t in keys], [t for _d, t in keys]],
            )
        return
    by_doc: dict[int, list[str]] = {}
    for doc_id, term in keys:
        by_doc.setdefault(doc_id, []).append(term)
    for doc_id, terms in by_doc.items():
        Posting.objects.filter(doc_id=doc_id, term__in=terms).delete()


def reindex(kind: str, ids: Sequence[int], *, force: bool = False) -> int:
    """Load these ids from their source and bring the index up to date (what the task runs). Synchronous."""
    if not ids:
        return 0
    started = clock.now()
    docs = get_source(kind).load(list(ids))
    return write(kind, ids, docs, started=started, force=force)


def _batches(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


_TERM_INDEX = "kbs_posting_term"


def _term_index() -> Any:
    return next(i for i in Posting._meta.indexes if i.name == _TERM_INDEX)


def _has_term_index() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_indexes WHERE tablename = 'kb_search_posting' AND indexname = %s", [_TERM_INDEX]
        )
        return cursor.fetchone() is not None


def ensure_term_index() -> bool:
    """Build the (term, weight) index if a bulk load was interrupted before it could (the catch-up job calls this).
    Returns whether it had to."""
    if connection.vendor != "postgresql" or _has_term_index():
        return False
    log.warning("the search postings index %s was missing: building it", _TERM_INDEX)
    _build_term_index()
    return True


def _build_term_index() -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")  # the sort of a few million postings
        with connection.schema_editor(atomic=False) as editor:
            editor.add_index(Posting, _term_index())


@contextmanager
def bulk_loading() -> Iterator[bool]:
    """Around the loading of many documents into an EMPTY index (the first rebuild, after a restore, the bench): on
    PostgreSQL the (term, weight) index is dropped while the postings are written and built once at the end, one
    sort instead of millions of insertions at random places of a large B-tree. Yields whether it did (never on a
    non-empty index: searches would lose their index meanwhile). If the process dies in between, the catch-up job
    builds the index (ensure_term_index)."""
    if connection.vendor != "postgresql" or Posting.objects.exists() or not _has_term_index():
        yield False
        return
    with connection.schema_editor() as editor:
        editor.remove_index(Posting, _term_index())
    try:
        yield True
    finally:
        _build_term_index()


def rebuild(kind: str | None = None, *, batch: int = 500, progress: Progress | None = None) -> int:
    """Reindex every document of `kind` (or of every registered kind) from its source, and drop indexed documents
    the source no longer has. Returns the number of documents indexed. An empty index is bulk loaded; a live one
    on PostgreSQL is written into a new table and swapped in (shadow.py); SQLite rewrites in place."""
    from upstream.kb.search import shadow

    if shadow.applies():
        return shadow.rebuild(kind, batch=batch, progress=progress)
    with bulk_loading():
        return _rebuild(kind, batch=batch, progress=progress)


def _rebuild(kind: str | None, *, batch: int, progress: Progress | None) -> int:
    selected = [kind] if kind else list(kinds())
    wanted = {k: list(get_source(k).all_ids()) for k in selected}
    total = sum(len(ids) for ids in wanted.values())
    done = 0
    if progress:
        progress(0, total)
    for k, ids in wanted.items():
        keep = set(ids)
        stale = [i for i in Document.objects.filter(kind=k).values_list("object_id", flat=True) if i not in keep]
        for chunk in _batches(stale, batch):
            write(k, chunk, [])
        for chunk in _batches(ids, batch):
            reindex(k, chunk, force=True)
            done += len(chunk)
            if progress:
                progress(done, total)
    refresh_stats()
    return done


class _Queued(threading.local):
    """Documents queued by this thread's open transaction, each with the savepoints open when its pending row was
    written, and whether a flush waits for the commit."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, int], tuple[str, ...]] = {}
        self.armed = False


_queued = _Queued()
_ENQUEUE_BATCHED = "upstream.kb.search.index.enqueue_collected"


def _enqueue(items: dict[str, list[int]]) -> None:
    try:
        from upstream.kb.search.tasks import reindex_batch

        reindex_batch.enqueue({kind: sorted(set(ids)) for kind, ids in items.items()})
    except Exception:
        # The pending rows are committed: the catch-up job will index the documents.
        log.exception("could not enqueue search reindex of %s", {k: v[:5] for k, v in items.items()})


def enqueue_collected(collected: list[dict[str, list[int]]]) -> None:
    """The end of an `upstream.events.batch()`: every transaction's documents in one task."""
    merged: dict[str, set[int]] = {}
    for items in collected:
        for kind, ids in items.items():
            merged.setdefault(kind, set()).update(ids)
    if merged:
        _enqueue({kind: sorted(ids) for kind, ids in merged.items()})


def _dispatch(items: dict[str, list[int]]) -> None:
    from upstream import events

    if not events.defer_to_batch(_ENQUEUE_BATCHED, items):  # inside events.batch(): one task when it ends
        _enqueue(items)


def _flush() -> None:
    """On commit: every document this transaction queued, in one task (several callbacks may be registered, in
    savepoints since released; the first one takes everything)."""
    _queued.armed = False
    items, _queued.items = _queued.items, {}
    grouped: dict[str, list[int]] = {}
    for kind, object_id in items:
        grouped.setdefault(kind, []).append(object_id)
    if grouped:
        _dispatch(grouped)


def _surviving_flush(connection: Any, current: set[str]) -> bool:
    """A flush callback is registered at this savepoint level or an enclosing one (so it runs exactly when what
    is queued now commits)."""
    if not _queued.armed:
        return False
    try:
        return any(func is _flush and set(sids) <= current for sids, func, *_ in connection.run_on_commit)
    except (AttributeError, TypeError, ValueError):  # Django internals changed: one task per call is fine too
        return False


def schedule_reindex(kind: str, object_id: int) -> None:
    """Call inside a save's transaction. Records the document as pending in that transaction and enqueues the
    reindex task once it commits; a rolled-back save indexes nothing. Never raises into the caller."""
    schedule_reindex_many([(kind, object_id)])


def schedule_reindex_many(items: Iterable[tuple[str, int]]) -> None:
    """schedule_reindex for several documents: one statement for their pending rows (none for documents this
    transaction has already queued), and one task per transaction however many saves queue documents (per
    `upstream.events.batch()` inside one). Never raises into the caller."""
    wanted = list(dict.fromkeys((kind, int(object_id)) for kind, object_id in items))
    try:
        connection = transaction.get_connection()
        current = set(connection.savepoint_ids) if connection.in_atomic_block else set()
        armed = connection.in_atomic_block and _surviving_flush(connection, current)
    except Exception:
        log.exception("could not inspect the transaction for the search reindex")
        connection, current, armed = None, set(), False
    # A row written at this level or an enclosing one survives exactly when this save does: no need to write again.
    fresh = [item for item in wanted if not (armed and set(_queued.items.get(item, ("-",))) <= current)]
    if fresh:
        try:
            # A savepoint: a failed write here must not abort the caller's transaction (PostgreSQL would refuse
            # every statement after an error), and the save must succeed whatever happens to the index.
            with transaction.atomic():
                now = clock.now()
                Pending.objects.bulk_create(
                    [Pending(kind=kind, object_id=object_id, queued_at=now) for kind, object_id in fresh],
                    update_conflicts=True,
                    unique_fields=["kind", "object_id"],
                    update_fields=["queued_at"],
                )
        except Exception:
            log.exception("could not queue search reindex of %s", fresh)
    try:
        if connection is None or not connection.in_atomic_block:
            grouped: dict[str, list[int]] = {}
            for kind, object_id in wanted:
                grouped.setdefault(kind, []).append(object_id)
            transaction.on_commit(partial(_dispatch, grouped))  # autocommit: runs now
            return
        sids = tuple(connection.savepoint_ids)
        for item in fresh:
            _queued.items[item] = sids
        for item in wanted:
            _queued.items.setdefault(item, sids)
        if not armed:
            _queued.armed = True
            transaction.on_commit(_flush)
    except Exception:
        log.exception("could not schedule search reindex of %s", wanted)


def catch_up(*, now: datetime | None = None, batch: int = 500) -> int:
    """The periodic repair: index what is still pending after the grace period (a lost or failed task), what
    change-tracking sources changed since the last pass, then recount the statistics."""
    from upstream.kb.search import shadow

    now = now or clock.now()
    done = 0
    if shadow.leftover_is_abandoned():  # a live rebuild killed before its swap
        shadow.drop_leftover()
    ensure_term_index()
    pending: dict[str, list[int]] = {}
    for kind, object_id in Pending.objects.filter(queued_at__lt=now - PENDING_GRACE).values_list("kind", "object_id"):
        pending.setdefault(kind, []).append(object_id)
    stats = current_stats()
    if stats.refreshed_at is not None:
        since = stats.refreshed_at - timedelta(minutes=1)  # overlap: a commit can land just before the stamp
        for kind in kinds():
            source = get_source(kind)
            if isinstance(source, ChangeTracking):
                pending.setdefault(kind, []).extend(source.changed_since(since))
    for kind, ids in pending.items():
        try:
            get_source(kind)
        except KeyError:
            log.warning("dropping pending search rows of unregistered kind %r", kind)
            Pending.objects.filter(kind=kind).delete()
            continue
        for chunk in _batches(sorted(set(ids)), batch):
            try:
                done += reindex(kind, chunk)
            except Exception:
                log.exception("search catch-up failed for %s %s…", kind, chunk[:5])
    refresh_stats()
    return done
