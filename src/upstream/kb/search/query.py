"""Searching: who may see what (Scope), BM25F scoring in SQL over the postings, access checks, snippets, the
optional semantic rerank, and the search log.

A search sends a fixed number of statements whatever the result size: the statistics row, the document frequency
of each term, the scores (postings filtered by scope inside the scan, aggregated per document, top candidates joined
to their documents), the ticket access check (only when ticket hits are among the candidates), the page's stored
documents, and the log insert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import connection

from upstream.core import clock
from upstream.kb.search import analysis, weights
from upstream.kb.search.highlight import highlight, snippet
from upstream.kb.search.index import current_stats
from upstream.kb.search.models import Document, SearchLog
from upstream.kb.search.sources import STAFF_ONLY_KINDS, TICKET_KINDS, VISIBILITIES, kinds

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 1000  # a pasted log file is not a query; its beginning is enough to find what it is about
MAX_TERMS = 24
MAX_LIMIT = 100
MAX_OFFSET = 1000
PER_TERM = 2000  # postings read per query term, best first (see _candidates)
RERANK_POOL = 30  # lexical candidates handed to the semantic reranker
ABSTAIN_BELOW = 0.2  # confidence under which the answer bot should not answer from the top hit


@dataclass(frozen=True)
class Scope:
    """What a search may return. Built by scope_for(user); a Scope passed without a user is trusted as given."""

    kinds: tuple[str, ...]
    visibilities: tuple[str, ...]  # anonymous: public; customers: public, customers; staff: all three
    organisation_ids: tuple[int, ...] | None = None  # documents tied to an organisation: only these (None: any)
    language: str | None = None
    product_id: int | None = None


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    url: str
    snippet_html: str  # escaped text with <mark> around matches: safe to render unescaped
    score: float
    lexical: float
    semantic: float | None
    language: str
    extra: dict[str, Any]
    title_html: str = ""  # the title, escaped, matches marked


@dataclass
class SearchResult:
    hits: list[Hit]
    total_estimate: int  # roughly how many documents matched, before access checks and paging
    query: str
    took_ms: float
    confidence: float  # the top hit's lexical score over the best score these terms could reach, 0–1
    abstain: bool  # no hit, or too weak a top hit to answer from
    terms: list[str] = field(default_factory=list)


def _role(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return "anonymous"
    if user.is_admin:
        return "admin"
    return "agent" if user.is_staff_member else "customer"


def scope_for(user: Any, *, language: str | None = None, product_id: int | None = None) -> Scope:
    role = _role(user)
    registered = kinds()
    if role in ("admin", "agent"):
        return Scope(registered, VISIBILITIES, None, language, product_id)
    public_kinds = tuple(k for k in registered if k not in STAFF_ONLY_KINDS and k not in TICKET_KINDS)
    if role == "anonymous":
        return Scope(public_kinds, ("public",), (), language, product_id)
    from upstream.customers.queries import member_organisation_ids

    customer_kinds = tuple(k for k in registered if k not in STAFF_ONLY_KINDS)
    return Scope(customer_kinds, ("public", "customers"), tuple(member_organisation_ids(user)), language, product_id)


def _narrow(scope: Scope, allowed: Scope) -> Scope:
    """A caller's scope (filters) within what the user may see."""
    organisations = allowed.organisation_ids
    if organisations is not None and scope.organisation_ids is not None:
        organisations = tuple(o for o in scope.organisation_ids if o in organisations)
    elif organisations is None:
        organisations = scope.organisation_ids
    return replace(
        scope,
        kinds=tuple(k for k in scope.kinds if k in allowed.kinds),
        visibilities=tuple(v for v in scope.visibilities if v in allowed.visibilities),
        organisation_ids=organisations,
    )


def query_terms(text: str) -> list[str]:
    return list(dict.fromkeys(analysis.tokens((text or "")[:MAX_QUERY_CHARS])))[:MAX_TERMS]


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _document_frequencies(terms: list[str]) -> dict[str, int]:
    sql = f"SELECT term, COUNT(*) FROM kb_search_posting WHERE term IN ({_placeholders(terms)}) GROUP BY term"
    with connection.cursor() as cursor:
        cursor.execute(sql, terms)
        return {term: count for term, count in cursor.fetchall()}


def _filters(scope: Scope) -> tuple[str, list[Any]]:
    where, params = [], []
    codes = [weights.kind_code(k) for k in scope.kinds]
    where.append(f"p.kind IN ({_placeholders(codes)})")
    params += codes
    visibilities = [weights.VISIBILITY_CODES[v] for v in scope.visibilities]
    where.append(f"p.visibility IN ({_placeholders(visibilities)})")
    params += visibilities
    if scope.language:
        where.append("p.language = %s")
        params.append(weights.LANGUAGE_CODES.get(scope.language, -1))
    if scope.organisation_ids is not None:
        if scope.organisation_ids:
            listed = _placeholders(scope.organisation_ids)
            where.append(f"(p.organisation_id IS NULL OR p.organisation_id IN ({listed}))")
            params += list(scope.organisation_ids)
        else:
            where.append("p.organisation_id IS NULL")
    if scope.product_id is not None:
        # Inside the scan, on the postings' own columns (no join per posting); exact on the final candidates.
        where.append("(p.product_mask & %s) <> 0")
        params.append(weights.product_mask([scope.product_id]))
    return " AND ".join(where), params


def _candidates(idf: dict[str, float], scope: Scope, pool: int) -> list[tuple[int, str, int, float]]:
    """(document id, kind, object id, score) of the best `pool` documents in scope.

    Each term contributes its PER_TERM best postings in scope (read in weight order from the index, so the scan
    stops early), then scores are summed per document. A document outside every term's top PER_TERM could score
    into the top only by matching many terms weakly; with PER_TERM in the thousands and pages of ten, that is a
    loss at the far tail of the ranking, for a cost that stays flat as the collection grows.
    """
    filters, filter_params = _filters(scope)
    exact = ""
    exact_params: list[str] = []
    if scope.product_id is not None:
        # The product bits can collide (ids 63 apart share one), so the documents' own list has the last word.
        exact = "AND d.products LIKE %s"
        exact_params = [f"% {int(scope.product_id)} %"]
    parts: list[str] = []
    params: list[Any] = []
    for term, weight in idf.items():
        parts.append(
            f"SELECT * FROM (SELECT p.doc_id, p.weight * %s AS w FROM kb_search_posting p "
            f"WHERE p.term = %s AND {filters} ORDER BY p.weight DESC LIMIT %s) t{len(parts)}"
        )
        params += [weight, term, *filter_params, PER_TERM]
    sql = f"""
        SELECT d.id, d.kind, d.object_id, s.score
        FROM (
            SELECT u.doc_id, SUM(u.w) AS score FROM ({" UNION ALL ".join(parts)}) u
            GROUP BY u.doc_id ORDER BY score DESC, u.doc_id LIMIT %s
        ) s JOIN kb_search_document d ON d.id = s.doc_id {exact}
        ORDER BY s.score DESC, d.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pool, *exact_params])
        return [(row[0], row[1], row[2], float(row[3])) for row in cursor.fetchall()]


def _by_meaning(early: Any, scope: Scope, found: set[int]) -> list[tuple[int, str, int, float]]:
    """The articles nearest to the query by meaning that the words did not find (dense.py), with a lexical score
    of 0, for the reranker to judge: candidates rows like _candidates'. Nothing without the query's embedding."""
    if early is None:
        return []
    from upstream.kb.search import dense

    try:
        vector = early.result() if hasattr(early, "result") else early
        doc_ids = [doc_id for doc_id in dense.nearest(vector, scope) if doc_id not in found]
    except Exception:
        log.exception("semantic candidates failed; keeping the lexical ones")
        return []
    if not doc_ids:
        return []
    # The live rows, checked again: the matrix may be a minute old, and an article made internal meanwhile must not
    # reach a customer.
    rows = Document.objects.filter(id__in=doc_ids).values_list(
        "id", "kind", "object_id", "visibility", "language", "organisation_id", "products"
    )
    order = {doc_id: position for position, doc_id in enumerate(doc_ids)}
    allowed = [
        (doc_id, kind, object_id, 0.0)
        for doc_id, kind, object_id, visibility, language, organisation_id, products in rows
        if dense.visible(scope, kind, visibility, language, organisation_id, products)
    ]
    return sorted(allowed, key=lambda row: order[row[0]])


def _visible_tickets(user: Any, ticket_ids: set[int]) -> set[int]:
    """The single access module decides which tickets a user may open; the index only narrowed by organisation."""
    if not ticket_ids:
        return set()
    if user is None:
        return ticket_ids  # a trusted scope without a user (system use, the bench)
    if _role(user) == "admin":
        return ticket_ids
    from upstream.tickets.queries import visible_tickets

    return set(visible_tickets(user).filter(id__in=ticket_ids).values_list("id", flat=True))


def _reranker() -> Any:
    """The semantic reranker when its module exists and SEARCH_SEMANTIC is on (the default)."""
    if not getattr(settings, "SEARCH_SEMANTIC", True):
        return None
    try:
        from upstream.kb.search import semantic  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    return getattr(semantic, "rerank", None)


def _embed_early(reranker: Any, text: str) -> Any:
    """The semantic reranker's query embedding, started before the SQL so the two overlap (None for another
    reranker, or when the model cannot start)."""
    if reranker is None:
        return None
    from upstream.kb.search import semantic

    if reranker is not semantic.rerank or not semantic.enabled():
        return None
    return semantic.embed_query_early(text[:MAX_QUERY_CHARS])


def _log(text: str, terms: list[str], user: Any, results: int, top: float | None) -> None:
    try:
        SearchLog.objects.create(
            query=text[:500],
            terms=" ".join(terms)[:500],
            role=_role(user) if user is not None else "system",
            user=user if _role(user) != "anonymous" else None,
            results=results,
            top_score=top,
            created_at=clock.now(),
        )
    except Exception:
        log.exception("could not write the search log")  # a search never fails for its log


def search(
    query: str,
    *,
    user: Any = None,
    scope: Scope | None = None,
    limit: int = 10,
    offset: int = 0,
    rerank: bool = True,
    log: bool = True,
) -> SearchResult:
    started = time.perf_counter()
    text = query if isinstance(query, str) else ""
    if user is not None:
        allowed = scope_for(user)
        scope = _narrow(scope, allowed) if scope is not None else allowed
    elif scope is None:
        scope = scope_for(None)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_OFFSET))
    terms = query_terms(text)

    hits: list[Hit] = []
    total = 0
    confidence = 0.0
    abstain: bool | None = None
    if terms and scope.kinds and scope.visibilities:
        hits, total, confidence, abstain = _run(text, terms, scope, user, limit, offset, rerank)
    result = SearchResult(
        hits=hits,
        total_estimate=total,
        query=text,
        took_ms=(time.perf_counter() - started) * 1000,
        confidence=confidence,
        abstain=not hits or (abstain if abstain is not None else confidence < ABSTAIN_BELOW),
        terms=terms,
    )
    if log:
        _log(text, terms, user, total, hits[0].lexical if hits else None)
    return result


def _run(
    text: str, terms: list[str], scope: Scope, user: Any, limit: int, offset: int, rerank: bool
) -> tuple[list[Hit], int, float, bool | None]:
    """Hits, total estimate, confidence (0–1) and, when the semantic reranker ran, its abstention verdict."""
    stats = current_stats()
    df = _document_frequencies(terms)
    present = [t for t in terms if df.get(t)]
    reranker = _reranker() if rerank else None
    early = _embed_early(reranker, text)
    if not present and early is None:
        return [], 0, 0.0, None
    documents = max(stats.documents, max(df.values(), default=0))
    # Every found term is scored, however frequent: each reads at most PER_TERM postings, so a common word costs
    # no more than a rare one, and dropping it could leave only a rare term that matches nothing in scope.
    scored = present
    idf = {t: weights.idf(documents, df[t]) for t in scored}
    # Confidence compares against every query term, found or not: a query half made of words no document contains
    # is not well answered by a document matching the other half.
    best_possible = sum(weights.idf(documents, df.get(t, 0)) for t in terms) * weights.max_weight() or 1.0

    wanted = offset + limit
    pool = max(wanted, RERANK_POOL) if reranker else wanted
    # Extra candidates absorb the access check (tickets the user may not open) and note/ticket pairs merging.
    rows = _candidates(idf, scope, pool * 2 + 20) if present else []
    meaning = _by_meaning(early, scope, {row[0] for row in rows})
    # An estimate, before access checks: at least the best term's matches in scope, at most the sum of all.
    total = max(len(rows), min(PER_TERM, max((df[t] for t in scored), default=0))) if rows else 0
    total += len(meaning)
    visible = _visible_tickets(user, {object_id for _d, kind, object_id, _s in rows if kind in TICKET_KINDS})

    chosen: list[tuple[int, str, float]] = []  # (document id, shown kind, score)
    seen: set[tuple[str, int]] = set()
    for doc_id, kind, object_id, score in rows:
        if kind in TICKET_KINDS and object_id not in visible:
            continue
        shown = "ticket" if kind in TICKET_KINDS else kind  # an internal-note match is shown as its ticket
        if (shown, object_id) in seen:
            continue
        seen.add((shown, object_id))
        chosen.append((doc_id, shown, score))
        if len(chosen) >= pool:
            break
    # The articles found by meaning join the pool whole: the reranker is what judges them.
    chosen += [(doc_id, kind, score) for doc_id, kind, object_id, score in meaning if (kind, object_id) not in seen]

    page_hits = _hits(chosen, user, vectors=bool(reranker))
    if reranker and page_hits:
        try:
            # The model reads natural sentences: give it the question as typed, not the stemmed terms.
            extra = {"query_vector": early} if early is not None else {}
            page_hits = list(reranker(text[:MAX_QUERY_CHARS], page_hits, limit=wanted, **extra))
        except Exception:
            log.exception("semantic rerank failed; keeping the lexical order")
    page_hits = page_hits[offset:wanted]
    for hit in page_hits:
        body = hit.extra.pop("_body", "")
        hit.snippet_html = snippet(body, set(terms))
        hit.title_html = highlight(hit.title, set(terms))
    for hit in page_hits:
        hit.extra.pop("_body", None)
        hit.extra.pop("_stored", None)
    if page_hits and any(hit.semantic is not None for hit in page_hits):
        # Meaning, not word overlap, tells an answerable question from an out-of-scope one (docs/benchmarks.md).
        from upstream.kb.search import semantic

        return page_hits, total, semantic.confidence(page_hits), semantic.should_abstain(page_hits)
    confidence = min(1.0, page_hits[0].lexical / best_possible) if page_hits else 0.0
    return page_hits, total, confidence, None


def _hits(chosen: list[tuple[int, str, float]], user: Any, *, vectors: bool = False) -> list[Hit]:
    """The chosen documents as hits (one query), the stored body kept aside for the snippet and, for the reranker
    (`vectors`), the stored row with its embedding (not read otherwise: a few KB per document)."""
    staff = _role(user) in ("admin", "agent") or user is None
    # term_weights is the indexer's (a KB of JSON a row), never needed here.
    queryset = Document.objects.defer("term_weights", *([] if vectors else ["embedding"]))
    docs = queryset.in_bulk([doc_id for doc_id, _k, _s in chosen])
    hits = []
    for doc_id, shown, score in chosen:
        doc = docs.get(doc_id)
        if doc is None:  # reindexed between the two queries
            continue
        extra = dict(doc.extra)
        url = doc.url if staff else extra.get("portal_url", doc.url)
        extra.pop("portal_url", None)
        extra["_body"] = doc.body
        if vectors:
            from upstream.kb.search.semantic import Stored

            extra["_stored"] = Stored(
                (shown, doc.object_id), doc.title, doc.body, doc.embedding, doc.embedding_model, doc.id, doc.signature
            )
        hits.append(
            Hit(
                kind=shown,
                object_id=doc.object_id,
                title=doc.title,
                url=url,
                snippet_html="",
                score=score,
                lexical=score,
                semantic=None,
                language=doc.language,
                extra=extra,
            )
        )
    return hits
