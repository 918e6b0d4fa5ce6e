"""Which ticket an inbound email belongs to, as far as the message itself can tell. Pure: no database.

The order is the issue's and every help desk's: the Message-IDs the email cites (In-Reply-To first, then References
newest first), then the ticket token in the subject (`[UP-10234]`), then a per-ticket reply address
(`support+UP-10234@example.com`). The service looks the candidates up in that order and takes the first that exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Mail clients cap References; so do we, keeping the newest (the end of the list is the most recent ancestor).
MAX_REFERENCES = 50


@dataclass(frozen=True)
class ThreadHints:
    cited_ids: tuple[str, ...]  # most specific first
    subject_number: int | None
    address_number: int | None


def cited_message_ids(in_reply_to: Sequence[str], references: Sequence[str]) -> tuple[str, ...]:
    """In-Reply-To, then References from the newest ancestor back, without duplicates or empties."""
    ordered: list[str] = []
    for mid in [*in_reply_to, *reversed(references[-MAX_REFERENCES:])]:
        mid = mid.strip().strip("<>").strip()
        if mid and mid not in ordered:
            ordered.append(mid)
    return tuple(ordered)


def _token_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(r"\[\s*" + re.escape(prefix) + r"-(\d{1,18})\s*\]", re.IGNORECASE)


def subject_ticket_number(subject: str, prefix: str) -> int | None:
    """The number in the last `[UP-10234]` token of the subject (forwards prepend, so the last is the original)."""
    found = _token_pattern(prefix).findall(subject or "")
    return int(found[-1]) if found else None


def reply_address_number(recipients: Iterable[str], mailbox_addresses: Iterable[str], prefix: str) -> int | None:
    """The ticket number in a plus address of one of our mailboxes: `support+UP-10234@example.com`."""
    ours = {address.lower() for address in mailbox_addresses}
    pattern = re.compile(r"^(?P<local>[^+@]+)\+" + re.escape(prefix) + r"-(?P<number>\d{1,18})@(?P<domain>.+)$", re.I)
    for recipient in recipients:
        match = pattern.match(recipient.strip().lower())
        if match and f"{match['local']}@{match['domain']}" in ours:
            return int(match["number"])
    return None


def plus_address(mailbox_address: str, reference: str) -> str:
    """The per-ticket reply address for a mailbox: support@x → support+UP-10234@x."""
    local, _, domain = mailbox_address.partition("@")
    return f"{local}+{reference}@{domain}"


def base_address(address: str) -> str:
    """support+UP-10234@x → support@x (to find the mailbox a plus address belongs to)."""
    local, at, domain = address.strip().lower().partition("@")
    return local.split("+", 1)[0] + at + domain


def hints(
    *,
    in_reply_to: Sequence[str],
    references: Sequence[str],
    subject: str,
    recipients: Iterable[str],
    mailbox_addresses: Iterable[str],
    prefix: str,
) -> ThreadHints:
    return ThreadHints(
        cited_ids=cited_message_ids(in_reply_to, references),
        subject_number=subject_ticket_number(subject, prefix),
        address_number=reply_address_number(recipients, mailbox_addresses, prefix),
    )


_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|回复|答复|转发|回覆|轉寄)\s*(\[\d+\])?\s*[:：]\s*)+", re.I)


def strip_reply_prefixes(subject: str) -> str:
    """'Re: Fwd: 回复：Login fails' → 'Login fails' (for a new ticket's subject)."""
    return _REPLY_PREFIX.sub("", subject or "").strip()


def with_token(subject: str, reference: str) -> str:
    """Our outgoing subject: the ticket token once, in front, whatever the customer's client did to it."""
    if f"[{reference}]".lower() in (subject or "").lower():
        return subject
    return f"[{reference}] {subject}".strip()
