"""Separating a reply's new text from the quoted history and signature below it.

The caller stores the full text and displays only the new part, with a toggle for the rest; so these functions never
drop anything: new_part + quoted_part always holds all the content. When no marker is found, or the marker is at the
very top (the whole message would be folded away), the quoted part is empty.
"""

from __future__ import annotations

import re

from upstream.core.html import sanitise

# Lines that begin the quoted tail on their own.
_STARTERS = [
    re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message|原始邮件|原始郵件)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^-- ?$"),  # the signature separator (with or without the conventional trailing space)
    re.compile(r"^\s*在.{0,120}写道\s*[：:]\s*$"),
    re.compile(r"^\s*於.{0,120}寫道\s*[：:]\s*$"),
    re.compile(r"^\s*On .{0,300}wrote\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am .{0,200}schrieb.{0,200}:\s*$"),
    re.compile(r"^\s*Le .{0,200}a écrit\s*:\s*$"),
    re.compile(r"^_{20,}\s*$"),  # Outlook's rule above the From:/Sent: block
]
# "On Tue, 3 Nov 2026 at 10:00, Somebody <a@b>" + "wrote:" is often wrapped over two lines.
_ON_FIRST = re.compile(r"^\s*On .{0,300}$", re.IGNORECASE)
_WROTE_NEXT = re.compile(r"^.{0,200}wrote\s*:\s*$", re.IGNORECASE)
# Header blocks that Outlook and Chinese clients put above the quoted message.
_FROM = re.compile(r"^\s*\*?(From|发件人|寄件者|De|Von)\s*\*?\s*[:：]", re.IGNORECASE)
_HEADER_FOLLOW = re.compile(
    r"^\s*\*?(Sent|Date|To|Subject|发送时间|日期|收件人|主题|寄件日期|傳送時間|Envoyé|Gesendet)\s*\*?\s*[:：]"
)
_QUOTED = re.compile(r"^\s*>")


def _header_block_at(lines: list[str], index: int) -> bool:
    if not _FROM.match(lines[index]):
        return False
    following = [line for line in lines[index + 1 : index + 5] if line.strip()]
    return any(_HEADER_FOLLOW.match(line) for line in following[:3])


def _trailing_quote_start(lines: list[str]) -> int | None:
    """The first line of a quote block that runs (ignoring blank lines) to the end; interleaved replies don't count."""
    start = None
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if _QUOTED.match(line):
            start = index
        elif line.strip():
            break
    return start


def _marker_line(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if any(pattern.match(line) for pattern in _STARTERS) or _header_block_at(lines, index):
            return index
        if _ON_FIRST.match(line) and index + 1 < len(lines) and _WROTE_NEXT.match(lines[index + 1]):
            return index
    return None


def split_quoted(text: str) -> tuple[str, str]:
    """Split plain text into (new_part, quoted_part); new_part + quoted_part == text."""
    lines = text.splitlines(keepends=True)
    stripped = [line.rstrip("\r\n") for line in lines]
    candidates = [i for i in (_marker_line(stripped), _trailing_quote_start(stripped)) if i is not None]
    if not candidates:
        return text, ""
    cut = min(candidates)
    new_part = "".join(lines[:cut])
    if not new_part.strip():
        return text, ""
    return new_part, "".join(lines[cut:])


_HTML_MARKERS = [
    re.compile(r"<div[^>]*class=[\"']?[^\"'>]*gmail_quote", re.IGNORECASE),
    re.compile(r"<div[^>]*id=[\"']?(divRplyFwdMsg|appendonsend|mail-editor-reference-message-container)", re.I),
    re.compile(r"<div[^>]*class=[\"']?[^\"'>]*(moz-cite-prefix|yahoo_quoted|OutlookMessageHeader)", re.IGNORECASE),
    re.compile(r"<blockquote", re.IGNORECASE),
    re.compile(r"<hr[^>]*>\s*(<[^>]+>\s*)*(<b>)?\s*(From|发件人|寄件者)\s*(</b>)?\s*[:：]", re.IGNORECASE),
    re.compile(r"-{2,}\s*(Original Message|原始邮件)\s*-{2,}", re.IGNORECASE),
    re.compile(r"(<[^>]+>\s*)?On [^<]{0,300}wrote:", re.IGNORECASE),
    re.compile(r"(<[^>]+>\s*)?在[^<]{0,120}写道\s*[：:]"),
    re.compile(
        r"(<[^>]+>\s*)?(<b>)?\s*(发件人|From)\s*(</b>)?\s*[:：][^<]{0,300}<br[^>]*>\s*(<b>)?\s*(发送时间|Sent)", re.I
    ),
]
_TEXT_OF = re.compile(r"<[^>]+>|&nbsp;|\s")


def split_quoted_html(markup: str) -> tuple[str, str]:
    """Split HTML into (new_part, quoted_part), each re-sanitised so both halves are well-formed on their own.

    Works best on the original markup (class names like gmail_quote are removed by sanitising); on sanitised HTML it
    still finds blockquotes and the textual markers.
    """
    positions = [m.start() for pattern in _HTML_MARKERS if (m := pattern.search(markup))]
    if not positions:
        return markup, ""
    cut = min(positions)
    new_part = markup[:cut]
    if not _TEXT_OF.sub("", new_part):
        return markup, ""
    return sanitise(new_part), sanitise(markup[cut:])
