"""How an email reads on the ticket: the new text first, the quoted history and signature folded behind a toggle.

Everything is kept: the folded part is in the stored HTML (inside <details>), the plain text is stored whole, and
the raw message is kept as received.
"""

from __future__ import annotations

from upstream.channels.email.parsing import ParsedEmail
from upstream.channels.email.quoting import split_quoted, split_quoted_html
from upstream.core.html import sanitise, text_to_html

# Language-neutral, like the "…" button of webmail clients: the stored HTML is read in either UI language.
FOLD_LABEL = "···"


def folded_html(parsed: ParsedEmail) -> str:
    if parsed.html.strip():
        new, quoted = split_quoted_html(parsed.html)
    else:
        new_text, quoted_text = split_quoted(parsed.text)
        new, quoted = text_to_html(new_text), (text_to_html(quoted_text) if quoted_text.strip() else "")
    if not quoted:
        return sanitise(new)
    return sanitise(f'{new}<details class="quoted"><summary>{FOLD_LABEL}</summary>{quoted}</details>')
