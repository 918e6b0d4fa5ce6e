"""BM25F arithmetic, pure. The document side (`posting_weight`) is computed at indexing time and stored per posting;
the query side (`idf`) at search time, so a score is one multiply-and-sum over postings in SQL.

    pseudo_tf = TITLE_WEIGHT · tf_title / norm(title) + tf_body / norm(body),  norm(f) = 1 − b + b · len_f / avglen_f
    weight    = pseudo_tf · (k1 + 1) / (k1 + pseudo_tf)
    score     = Σ_terms idf(term) · weight(term, doc),  idf = ln(1 + (N − df + 0.5) / (df + 0.5))

Field weights before saturation (BM25F) rather than one BM25 per field: a term in both title and body is not counted
as two independent matches, and a title hit still outweighs a body hit three to one.
"""

from __future__ import annotations

import math
import zlib

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
VISIBILITY_CODES = {"public": 0, "customers": 1, "internal": 2}
LANGUAGE_CODES = {"en": 0, "zh-hans": 1}


def kind_code(kind: str) -> int:
    """A stable small integer for a kind (postings store it as smallint: two bytes instead of a string)."""
    return zlib.crc32(kind.encode()) & 0x7FFF


def product_mask(product_ids: tuple[int, ...] | list[int]) -> int:
    """The postings' product bits: bit (id mod 63) per product, so the value is a non-negative bigint. 0: none."""
    mask = 0
    for product_id in product_ids:
        mask |= 1 << (int(product_id) % 63)
    return mask


def field_factors(title_length: int, body_length: int, avg_title: float, avg_body: float) -> tuple[float, float]:
    """A document's multipliers of tf_title and tf_body in pseudo_tf (TITLE_WEIGHT / norm(title), 1 / norm(body))."""
    norm_title = 1 - B + B * title_length / max(avg_title, 1.0)
    norm_body = 1 - B + B * body_length / max(avg_body, 1.0)
    return TITLE_WEIGHT / norm_title, 1 / norm_body


def posting_weight(
    tf_title: int, tf_body: int, title_length: int, body_length: int, avg_title: float, avg_body: float
) -> float:
    norm_title = 1 - B + B * title_length / max(avg_title, 1.0)
    norm_body = 1 - B + B * body_length / max(avg_body, 1.0)
    pseudo = TITLE_WEIGHT * tf_title / norm_title + tf_body / norm_body
    return pseudo * (K1 + 1) / (K1 + pseudo)


def idf(documents: int, df: int) -> float:
    documents = max(documents, df)  # the statistics may lag behind the postings
    return math.log(1 + (documents - df + 0.5) / (df + 0.5))


def max_weight() -> float:
    """The weight's upper bound (tf → ∞): what a perfect match contributes per unit of idf."""
    return K1 + 1
