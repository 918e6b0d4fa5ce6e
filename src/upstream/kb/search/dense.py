"""Candidates by meaning: the knowledge-base articles whose stored vectors are nearest to the query, added to the
lexical candidates before the semantic rerank.

Without this, the reranker only reorders what the words found: "能退钱吗" shares no word with the article titled
"退款政策" (jieba cuts 退钱 and 退款 as different words), so the right article never reached the reranker, and a
question phrased in other words than the article got no answer at all. Articles only: a knowledge base is hundreds
or thousands of documents whose vectors fit in memory (1.5 KB per vector as float32), while tickets, hundreds of
thousands, are found by their words.

Each web process keeps the article vectors in one matrix, read again when it is older than REFRESH (a new or edited
article is found by its words meanwhile, and by meaning once its vectors are stored by the backfill job and the
matrix is read again). Above MAX_VECTORS (about 5,000 to 8,000 articles: 46 MB of float32 per process, a few
milliseconds of matrix product per query) the scan is skipped and candidates come from the words alone, as before:
memory and time would otherwise grow with the knowledge base.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from upstream.kb.search import semantic

KINDS = ("article",)
MAX_VECTORS = 30_000
REFRESH = 60.0  # seconds
NEAREST = 10  # articles added per query, at most


# How far above the answer bot's bar an article found by meaning alone must be, on the scaled cosine (0.05: a
# cosine of 0.86 where the bar is 0.85). No shared word vouches for such an article, and e5's cosines between
# unrelated Chinese texts run high (zh_faq's out-of-scope questions: median best cosine 0.849). Chosen on zh_faq
# (MRR@10 / abstention P / R: margin 0 → 0.821 / 0.923 / 0.400; 0.05 → 0.819 / 0.941 / 0.533; 0.10 → 0.805 / 0.880
# / 0.733), checked on clinc150 (0.934 / 0.713 / 0.754 against 0.934 / 0.713 / 0.741 with no margin).
MARGIN = 0.05


def min_cosine() -> float:
    """An article found by meaning alone is a candidate only when it is closer than the answer bot requires to
    answer (semantic.ABSTAIN_BELOW on the scaled cosine, plus MARGIN): otherwise any query, "zzzz" included, would
    list the ten least unrelated articles."""
    return semantic.COSINE_FLOOR + (semantic.ABSTAIN_BELOW + MARGIN) * (semantic.COSINE_CEIL - semantic.COSINE_FLOOR)


@dataclass(frozen=True)
class _Matrix:
    rows: np.ndarray  # (vectors, DIM) float32, unit rows
    owner: np.ndarray  # (vectors,) index into the per-document arrays below
    doc_ids: np.ndarray
    kinds: tuple[str, ...]
    visibility: tuple[str, ...]
    language: tuple[str, ...]
    organisation: tuple[int | None, ...]
    products: tuple[str, ...]
    loaded_at: float
    # Scope → which documents it may see, computed once per matrix: the same few scopes repeat (visitors, each
    # customer's organisations, staff), and a per-query loop over thousands of articles is a hot-path cost.
    masks: dict[object, np.ndarray] = field(default_factory=dict, compare=False)


def _empty() -> _Matrix:
    """Nothing to scan (no embedded article yet, or more than MAX_VECTORS), until the next refresh."""
    none = np.zeros(0, np.int64)
    return _Matrix(np.zeros((0, semantic.DIM), np.float32), none, none, (), (), (), (), (), time.monotonic())


class _Cache:
    def __init__(self) -> None:
        self.matrix: _Matrix | None = None
        self.lock = threading.Lock()

    def get(self) -> _Matrix:
        matrix = self.matrix
        if matrix is not None and time.monotonic() - matrix.loaded_at < REFRESH:
            return matrix
        with self.lock:
            if self.matrix is None or time.monotonic() - self.matrix.loaded_at >= REFRESH:
                self.matrix = _load()
            return self.matrix

    def clear(self) -> None:
        with self.lock:
            self.matrix = None


_CACHE = _Cache()


def clear() -> None:
    """Forget the matrix (tests; a process that just stored many vectors)."""
    _CACHE.clear()


def _load() -> _Matrix:
    from django.db.models import Count, Sum
    from django.db.models.functions import Length

    from upstream.kb.search.models import Document

    embedded = Document.objects.filter(kind__in=KINDS, embedding__isnull=False, embedding_model=semantic.MODEL_ID)
    # Sizes first (one aggregate; the length of a stored value is read without its bytes): a knowledge base over
    # the cap is not read at all. Each value is a format byte and DIM bytes per vector (semantic.to_bytes).
    size = embedded.aggregate(documents=Count("id"), size=Sum(Length("embedding")))
    if not size["documents"] or (size["size"] - size["documents"]) // semantic.DIM > MAX_VECTORS:
        return _empty()
    rows = list(
        embedded.order_by("id").values_list(
            "id", "kind", "visibility", "language", "organisation_id", "products", "embedding"
        )
    )
    blocks, owners, total = [], [], 0
    for position, row in enumerate(rows):
        try:
            vectors = semantic.from_bytes(row[6] or b"")
        except ValueError:
            continue
        total += len(vectors)
        if total > MAX_VECTORS:
            return _empty()
        blocks.append(vectors)
        owners.append(np.full(len(vectors), position, dtype=np.int64))
    if not blocks:
        return _empty()
    return _Matrix(
        rows=np.vstack(blocks).astype(np.float32, copy=False),
        owner=np.concatenate(owners),
        doc_ids=np.array([row[0] for row in rows], dtype=np.int64),
        kinds=tuple(row[1] for row in rows),
        visibility=tuple(row[2] for row in rows),
        language=tuple(row[3] for row in rows),
        organisation=tuple(row[4] for row in rows),
        products=tuple(row[5] for row in rows),
        loaded_at=time.monotonic(),
    )


def visible(
    scope: object, kind: str, visibility: str, language: str, organisation_id: int | None, products: str
) -> bool:
    """May this scope see a document with these facts: the rules of query._filters (and its exact product check)."""
    organisations = getattr(scope, "organisation_ids", None)
    wanted_language = getattr(scope, "language", None)
    product = getattr(scope, "product_id", None)
    return (
        kind in getattr(scope, "kinds", ())
        and visibility in getattr(scope, "visibilities", ())
        and (wanted_language is None or language == wanted_language)
        and (organisation_id is None or organisations is None or organisation_id in organisations)
        and (product is None or f" {int(product)} " in products)
    )


MASKS_KEPT = 512


def _allowed(matrix: _Matrix, scope: object) -> np.ndarray:
    """Per document of the matrix: visible() on the facts read with the vectors (query._by_meaning checks the
    chosen ones again on the live rows: the matrix may be a minute old). Read only: callers must not change it."""
    mask = matrix.masks.get(scope)
    if mask is None:
        facts = zip(matrix.kinds, matrix.visibility, matrix.language, matrix.organisation, matrix.products, strict=True)
        mask = np.array([visible(scope, *row) for row in facts], dtype=bool)
        if len(matrix.masks) >= MASKS_KEPT:
            matrix.masks.clear()
        matrix.masks[scope] = mask
    return mask


def nearest(query_vector: np.ndarray, scope: object, *, limit: int = NEAREST) -> list[int]:
    """Index document ids of the articles in `scope` nearest to the query by their best vector, best first, those
    at least min_cosine() close."""
    matrix = _CACHE.get()
    if not len(matrix.doc_ids) or limit <= 0:
        return []
    allowed = _allowed(matrix, scope)
    if not allowed.any():
        return []
    cosines = matrix.rows @ np.asarray(query_vector, dtype=np.float32)
    best = np.full(len(matrix.doc_ids), -np.inf, dtype=np.float32)
    np.maximum.at(best, matrix.owner, cosines)
    best[~allowed] = -np.inf
    count = min(limit, int(allowed.sum()))
    top = np.argpartition(-best, count - 1)[:count]
    top = top[np.argsort(-best[top], kind="stable")]
    floor = min_cosine()
    return [int(matrix.doc_ids[i]) for i in top if np.isfinite(best[i]) and best[i] >= floor]
