"""Snippets with the query's terms marked, built in Python from the stored text. Everything from a document is
HTML-escaped first; the only markup in the result is our own <mark>, so the result is safe to render as is."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from upstream.kb.search.analysis import spans

SNIPPET_CHARS = 220
LEAD_CHARS = 40  # context shown before the first match of the chosen window


def _matches(text: str, terms: Collection[str]) -> list[tuple[int, int, str]]:
    return [span for span in spans(text) if span[2] in terms]


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Search-mode segmentation yields overlapping words (数据, 据库, 数据库): mark their union once."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _render(text: str, start: int, end: int, marks: list[tuple[int, int]]) -> SafeString:
    out = ["…" if start > 0 else ""]
    position = start
    for mark_start, mark_end in marks:
        mark_start, mark_end = max(mark_start, start), min(mark_end, end)
        if mark_start >= mark_end or mark_start < position:
            continue
        out.append(escape(text[position:mark_start]))
        out.append(f"<mark>{escape(text[mark_start:mark_end])}</mark>")
        position = mark_end
    out.append(escape(text[position:end]))
    out.append("…" if end < len(text) else "")
    return mark_safe("".join(out))


def highlight(text: str, terms: Collection[str]) -> SafeString:
    """The whole text (a title) with matches marked."""
    return _render(text, 0, len(text), _merge([(s, e) for s, e, _t in _matches(text, terms)]))


def snippet(text: str, terms: Collection[str], width: int = SNIPPET_CHARS) -> SafeString:
    """A window of about `width` characters with the most distinct query terms in it, matches marked."""
    text = " ".join(text.split())  # line breaks and runs of spaces mean nothing in a one-line snippet
    matches = _matches(text, terms)
    if not matches:
        return _render(text, 0, min(len(text), width), [])
    best, best_key = 0, (-1, -1)
    for i, (start, _end, _term) in enumerate(matches):
        inside = [m for m in matches[i:] if m[1] <= start + width - LEAD_CHARS]
        key = (len({m[2] for m in inside}), len(inside))
        if key > best_key:
            best, best_key = i, key
    start = max(0, matches[best][0] - LEAD_CHARS)
    # Start at a word boundary when one is near, so the snippet does not open mid-word.
    space = text.find(" ", start, matches[best][0])
    if start > 0 and space != -1:
        start = space + 1
    end = min(len(text), start + width)
    return _render(text, start, end, _merge([(s, e) for s, e, _t in matches]))
