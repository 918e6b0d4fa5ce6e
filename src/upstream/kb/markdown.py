"""Article bodies: Markdown to safe HTML, and the plain text the search index reads.

Two locks on the door: markdown-it runs with raw HTML disabled (a `<script>` typed into the body comes out as the
text "<script>"), and the result still goes through the shared nh3 sanitiser (which also drops `javascript:` links
and anything a future Markdown plugin might let through).
"""

from __future__ import annotations

from markdown_it import MarkdownIt

from upstream.core.html import html_to_text, sanitise

# "commonmark" plus GitHub-style tables and ~~strikethrough~~; html=False escapes raw HTML instead of passing it.
_md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(["table", "strikethrough"])


def render(markdown_text: str) -> str:
    """Markdown → sanitised HTML, safe to insert into a page as it is."""
    return sanitise(_md.render(markdown_text or ""))


def plain_text(body_html: str) -> str:
    """Readable text of rendered (sanitised) HTML: what the search index and snippets use."""
    return html_to_text(body_html)
