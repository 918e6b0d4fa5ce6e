"""The difference between two revisions of an article, as safe HTML. Pure: difflib and escaping, no database.

Lines are compared first; a changed line is then compared character by character, because Chinese has no spaces
and a word-level diff would mark the whole sentence. Every piece of text is escaped before it is wrapped in markup,
so an article body that contains HTML shows as text in the diff.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

CONTEXT_LINES = 3
SIMILAR = 0.5  # below this share of common characters, a changed line is shown as replaced rather than edited


@dataclass(frozen=True)
class DiffStats:
    added: int
    removed: int


def _inline(old: str, new: str) -> tuple[str, str]:
    """Both lines with the changed characters wrapped in <del> / <ins>. Lines that have little in common are marked
    as a whole: scattered single-letter matches between unrelated sentences only make them harder to read."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < SIMILAR:
        return (f"<del>{escape(old)}</del>" if old else "", f"<ins>{escape(new)}</ins>" if new else "")
    before, after = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            before.append(escape(old[i1:i2]))
            after.append(escape(new[j1:j2]))
            continue
        if i2 > i1:
            before.append(f"<del>{escape(old[i1:i2])}</del>")
        if j2 > j1:
            after.append(f"<ins>{escape(new[j1:j2])}</ins>")
    return "".join(before), "".join(after)


def _row(kind: str, sign: str, html: str) -> str:
    return (
        f'<tr class="diff-{kind}"><td class="diff-sign">{sign}</td><td class="diff-line">{html or "&nbsp;"}</td></tr>'
    )


def _changed_block(old_lines: list[str], new_lines: list[str]) -> list[str]:
    rows: list[str] = []
    paired = min(len(old_lines), len(new_lines))
    removed, added = [], []
    for index in range(paired):
        before, after = _inline(old_lines[index], new_lines[index])
        removed.append(_row("removed", "−", before))
        added.append(_row("added", "+", after))
    removed += [_row("removed", "−", escape(line)) for line in old_lines[paired:]]
    added += [_row("added", "+", escape(line)) for line in new_lines[paired:]]
    rows.extend(removed)
    rows.extend(added)
    return rows


def diff_html(old: str, new: str, *, context: int = CONTEXT_LINES) -> SafeString:
    """A table of the changed lines with `context` unchanged lines around each change; "" when nothing changed."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(context))
    if not groups:
        return mark_safe("")
    rows: list[str] = []
    for group in groups:
        first = group[0]
        rows.append(f'<tr class="diff-hunk"><td colspan="2">@@ −{first[1] + 1} +{first[3] + 1} @@</td></tr>')
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                rows.extend(_row("same", "", escape(line)) for line in old_lines[i1:i2])
            elif op == "delete":
                rows.extend(_row("removed", "−", escape(line)) for line in old_lines[i1:i2])
            elif op == "insert":
                rows.extend(_row("added", "+", escape(line)) for line in new_lines[j1:j2])
            else:
                rows.extend(_changed_block(old_lines[i1:i2], new_lines[j1:j2]))
    return mark_safe('<table class="diff">' + "".join(rows) + "</table>")  # every text part above is escaped


def inline_html(old: str, new: str) -> SafeString:
    """A one-line value (a title) with its changes marked; the plain escaped value when unchanged."""
    if old == new:
        return mark_safe(escape(new))
    before, after = _inline(old, new)
    return mark_safe(f"{before} → {after}")


def stats(old: str, new: str) -> DiffStats:
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            removed += i2 - i1
            added += j2 - j1
    return DiffStats(added=added, removed=removed)
