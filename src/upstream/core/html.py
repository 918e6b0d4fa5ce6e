"""HTML sanitising and text/HTML conversion for messages (customer-supplied markup is never trusted)."""

from __future__ import annotations

import html
import re

import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "details", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "img",
    "li", "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    # Emailed quoted history is folded into <details class="quoted"> (kept in full, shown on request).
    "details": {"class"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_URL_SCHEMES = {"http", "https", "mailto", "cid"}
_URL = re.compile(r"(https?://[^\s<>\"']+)")
_BLOCK_END = re.compile(r"</(p|div|li|tr|h[1-4]|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def sanitise(markup: str) -> str:
    """Keep formatting, drop scripts, styles, event handlers and dangerous URLs."""
    return nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def text_to_html(text: str) -> str:
    """Plain text as safe HTML: paragraphs, line breaks and clickable links."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    rendered = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph)
        linked = _URL.sub(r'<a href="\1">\1</a>', escaped)
        rendered.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return sanitise("".join(rendered))


def html_to_text(markup: str) -> str:
    """A readable plain-text rendering of (already sanitised) HTML."""
    with_breaks = _BLOCK_END.sub("\n", markup)
    text = html.unescape(_TAG.sub("", with_breaks))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
