"""Bounce, delay, feedback (ARF) and auto-reply parsing with hard/soft classification. Pure: no database.

Standard reports (RFC 3464 ``multipart/report; report-type=delivery-status`` and RFC 5965 ARF) are read field by
field; the many non-standard bounces (qmail, Exim, old sendmail, Exchange, webmail providers...) are read
heuristically from their human-readable text. The failure reason is derived from the diagnostic text first, then the
RFC 3463 enhanced status code, then the SMTP reply code, because many servers send generic or wrong codes.
"""

from __future__ import annotations

import email.message
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from upstream.channels.email import loops
from upstream.channels.email.bounce_patterns import (
    HARD_IF_PERMANENT,
    HARD_REASONS,
    REASON_TEXT,
    REPLY_REASONS,
    STATUS_REASONS,
    TEXT_REASONS,
)

__all__ = ["BounceReport", "FailedRecipient", "describe", "parse_bounce"]

MAX_TEXT = 64 * 1024
MAX_DIAGNOSTIC = 500
MAX_RECIPIENTS = 200


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    status: str
    reason: str
    hard: bool
    diagnostic: str


@dataclass(frozen=True)
class BounceReport:
    kind: str  # "bounce" | "delay" | "feedback" | "auto-reply"
    recipients: tuple[FailedRecipient, ...]
    original_message_id: str


# --------------------------------------------------------------------------------------------------------------------
# Regexes
_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
_REPLY = re.compile(r"(?<![\d.\-])([245][0-5]\d)(?:[ \-]|$)")
# Bounded quantifiers keep every search linear on long runs of address-like characters.
_ADDR = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]{1,63}){1,10}"
)
_MSGID_LINE = re.compile(r"^\s*Message-I[Dd]\s*:\s*(?:\r?\n[ \t]+)?<?([^\s<>]+@[^\s<>]+?)>?\s*$", re.M | re.I)
_DSN_FIELD = re.compile(r"^(?:Final|Original)-Recipient\s*:", re.M | re.I)
_WS = re.compile(r"\s+")
_SMTP_PREFIX = re.compile(r"^\s*(?:smtp|rfc822|x-[\w-]+|unknown|mailbox)\s*;\s*", re.I)
# Where the copy of the original message starts in a plain-text bounce.
_ORIGINAL_START = re.compile(
    r"^(?:"
    r"-+ ?(?:This is a copy of|Below this line is a copy of|Original message|The header of the original|"
    r"Original Message|Returned message|Undelivered message|Message headers? follows?|Unsent message|"
    r"Original message header|Your message|Headers of the original|Forwarded message|"
    r"The original message|Non-delivered message|Copy of the message)"
    r"|Original message follows|The original message headers? (?:follows?|are|is)|"
    r"\s*-{2,}\s*Original message|Content-Type: message/rfc822|Content-Type: text/rfc822-headers|"
    r"------ ?Original|\*\*\* ?Original|Return-Path:\s*<|Received: from |Received: by "
    r")",
    re.M | re.I,
)
# A line that introduces one failed recipient (qmail "<a@b>:", Exim "  a@b", sendmail "<a@b>... User unknown", ...).
_RCPT_LINE = re.compile(
    r"^\s*(?:(?:Original-|Final-)?Recipient(?: address)?(?:es)?:?\s*|RCPT TO:\s*|Failed recipient:?\s*|"
    r"Delivery to the following recipients? failed(?: permanently)?:\s*|[\-*>]+\s*|(?P<code>[245]\d\d)[ \-])?"
    r"(?:rfc822;\s*)?[<\"]?(?P<addr>[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}@[A-Za-z0-9.\-]{1,255}\.[A-Za-z0-9\-]{1,63})[>\"]?"
    r"(?P<rest>\s*(?::|\.\.\.|\s\(|\son\s|\s+<|\s+(?:delivery|failed|user|unknown|mailbox|no such|not|--|\[)|$).*)$",
    re.I,
)
_NON_RCPT_CONTEXT = re.compile(
    r"(?:MAIL FROM|from:|to:|cc:|sender|envelope-from|Return-Path|Reply-To|Message-ID|postmaster|mailer-daemon|"
    r"for <|by |helo|ehlo)",
    re.I,
)
_SMTP_COMMAND = re.compile(
    r"(?:in reply to (?:end of )?|after (?:end of )?|>>> ?|command:? ?)(DATA|RCPT TO|MAIL FROM|EHLO|HELO|end of data)\b"
    r"|but (my name) was rejected",
    re.I,
)
_GENERIC_UNKNOWN = re.compile(r"user ?unknown|unknown user|no such user|user not exist", re.I)
_PIPELINED_RCPT = re.compile(r"need rcpt|no valid recipients|all rcpt commands were rejected", re.I)
_DELAY_HINT = re.compile(
    r"\b(?:delayed|delay|not yet been delivered|will (?:retry|continue|keep trying)|still (?:being )?retried|"
    r"warning: could not send|deferred)\b",
    re.I,
)
_PERMANENT_HINT = re.compile(r"permanent(?:ly)?|given up|giving up|fatal|failed permanently", re.I)


# --------------------------------------------------------------------------------------------------------------------
# Reason classification


def _status_in(text: str) -> str:
    m = _ENHANCED.search(text)
    return f"{m.group(1)}.{m.group(2)}.{m.group(3)}" if m else ""


def _reply_in(text: str) -> str:
    m = _REPLY.search(text)
    return m.group(1) if m else ""


def classify_reason(status: str, diagnostic: str, *, action: str = "") -> str:
    """Derive a reason from the diagnostic text, then the enhanced status code, then the SMTP reply code."""
    action = action.lower()
    if action.startswith(("delivered", "relayed", "expanded")) or status.startswith("2"):
        return "delivered"
    text = diagnostic[:4000]
    for reason, pattern in TEXT_REASONS:
        if pattern.search(text):
            return reason
    if action.startswith("delay") or status.startswith("4"):
        return "expired"
    if status and not status.endswith(".0.0"):
        by_status = STATUS_REASONS.get(status.partition(".")[2])
        if by_status:
            return by_status
    reply = _reply_in(text)
    if reply in REPLY_REASONS:
        return REPLY_REASONS[reply]
    if status.startswith("5.1."):
        return "userunknown"
    return "undefined"


def is_hard(reason: str, status: str, action: str = "") -> bool:
    action = action.lower()
    if action.startswith(("delay", "delivered", "relayed", "expanded")) or status.startswith("2"):
        return False
    if status.startswith("4") and not (action.startswith("fail") and reason == "userunknown"):
        return False
    if reason in HARD_REASONS:
        return True
    return reason in HARD_IF_PERMANENT and status.startswith("5")


def smtp_command(text: str) -> str:
    """The SMTP command the remote server was answering ("DATA", "RCPT", "MAIL", "HELO" or "")."""
    m = _SMTP_COMMAND.search(text)
    if not m:
        return ""
    word = (m.group(1) or m.group(2) or "").upper()
    if word.endswith("DATA"):
        return "DATA"
    if word.startswith("RCPT"):
        return "RCPT"
    if word.startswith("MAIL"):
        return "MAIL"
    return "HELO"


def _recipient(
    address: str, status: str, diagnostic: str, action: str = "", context: str = "", *, dsn_status: str | None = None
) -> FailedRecipient:
    command = smtp_command(diagnostic) or (smtp_command(context) if context else "")
    if command == "DATA" and status.startswith(("5.1.", "4.1.")) and _PIPELINED_RCPT.search(context or diagnostic):
        # pipelined session transcript: the RCPT replies are printed after ">>> DATA"
        command = "RCPT"
    diagnostic = _WS.sub(" ", diagnostic).strip()[:MAX_DIAGNOSTIC]
    if not status:
        status = _status_in(diagnostic)
        if not status:
            reply = _reply_in(diagnostic)
            if reply:
                status = f"{reply[0]}.0.0"
    if action.lower().startswith("delay") and status.startswith("5"):
        status = "4" + status[1:]
    reason = classify_reason(status, diagnostic, action=action)
    if reason == "userunknown" and command == "DATA" and _GENERIC_UNKNOWN.search(diagnostic):
        # the recipient was accepted at RCPT TO; a bare "user unknown" after DATA is how several providers disguise a
        # recipient-side filter (explicit statements such as "invalid recipient" or "has no account" stay unknown)
        reason = "filtered"
    elif reason in ("userunknown", "hostunknown") and command in ("MAIL", "HELO"):
        # rejected before any recipient was given: the problem is us (sender, our host name, our IP), not them
        reason = "rejected" if command == "MAIL" else "blocked"
    if reason == "userunknown" and dsn_status is not None and command != "RCPT":
        # A DSN whose own Status says "mailbox unavailable/disabled" (X.2.x), or that has no Status at all (some
        # filtering gateways), while the remote text is a user-unknown with no sign of an RCPT-time rejection:
        # that is how several carriers and gateways report a recipient-side filter
        no_evidence = not dsn_status and not status.startswith(("5.1.", "4.1.")) and _GENERIC_UNKNOWN.search(diagnostic)
        if dsn_status.split(".")[1:2] == ["2"] or no_evidence:
            reason = "filtered"
    return FailedRecipient(
        address=address.strip().strip("<>").lower(),
        status=status,
        reason=reason,
        hard=is_hard(reason, status, action),
        diagnostic=diagnostic,
    )


def describe(recipient: FailedRecipient) -> str:
    """One short English line such as ``"5.1.1 user unknown"``."""
    phrase = REASON_TEXT.get(recipient.reason, recipient.reason or "undeliverable")
    return f"{recipient.status} {phrase}".strip()


# --------------------------------------------------------------------------------------------------------------------
# MIME helpers


def _walk(message: Message) -> Iterator[Message]:
    """Walk parts without descending into attached messages (message/rfc822)."""
    stack: list[Message] = [message]
    seen = 0
    while stack and seen < 200:
        part = stack.pop(0)
        seen += 1
        yield part
        if part.is_multipart() and part.get_content_maintype() != "message":
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [p for p in payload if isinstance(p, Message)]


def _text_of(part: Message) -> str:
    """Decoded text of a leaf part, capped at MAX_TEXT; never raises."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw[:MAX_TEXT]
        if isinstance(raw, list):  # message/* parsed into sub-messages
            try:
                return "\n\n".join(str(p) for p in raw if isinstance(p, Message))[:MAX_TEXT]
            except Exception:
                return ""
        return ""
    if not isinstance(payload, bytes):
        return ""
    payload = payload[:MAX_TEXT]
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:
        charset = "utf-8"
    for cs in (charset, "utf-8", "latin-1"):
        try:
            return payload.decode(cs, errors="replace")
        except (LookupError, UnicodeError):
            continue
    return ""


def _ctype(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:
        return ""
    if value is None:
        return ""
    try:
        return str(value)
    except Exception:
        return ""


def _fields(block: str) -> list[dict[str, str]]:
    """Parse DSN/ARF field blocks ("Name: value" lines, continuation lines, blank-line separated)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in block.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current, last = {}, ""
            continue
        if line[:1] in (" ", "\t") and last:
            current[last] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep and name and " " not in name.strip():
            last = name.strip().lower()
            if (
                last in ("final-recipient", "original-recipient")
                and "final-recipient" in current
                and (last == "final-recipient" or "original-recipient" in current)
            ):
                # next per-recipient block without the separating blank line
                blocks.append(current)
                current = {}
            if last not in current:
                current[last] = value.strip()
            else:
                last = ""  # keep the first occurrence only
    if current:
        blocks.append(current)
    return blocks


def _addr_from(value: str) -> str:
    value = _SMTP_PREFIX.sub("", value).strip().strip("<>").strip()
    if _WHOLE_ADDR.match(value):  # also keeps quoted local parts ("a..b"@example.org) intact
        return value.lower()
    m = _ADDR.search(value)
    return m.group(0).lower() if m else ""


_WHOLE_ADDR = re.compile(r'^(?:"[^"\s]{1,64}"|[^\s"@<>]{1,64})@[A-Za-z0-9.\-]{1,255}\.[A-Za-z0-9\-]{1,63}$')


def _clean_msgid(value: str) -> str:
    value = value.strip()
    m = re.search(r"<([^<>\s]+)>", value)
    if m:
        return m.group(1)
    return value.strip("<> \t\r\n").split()[0] if value.strip("<> \t\r\n") else ""


# --------------------------------------------------------------------------------------------------------------------
# Original message id


def _original_message_id(message: Message, human_text: str) -> str:
    for part in _walk(message):
        ctype = _ctype(part)
        if ctype in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                mid = _header(inner, "Message-ID")
                if mid:
                    return _clean_msgid(mid)
            text = _text_of(part)
            m = _MSGID_LINE.search(text)
            if m:
                return m.group(1).strip("<>")
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers", "text/rfc822-header"):
            text = _text_of(part)
            m = _MSGID_LINE.search(text)
            if m:
                return m.group(1).strip("<>")
    # Non-standard bounce: the quoted original headers are in the body, after the separator line.
    start = _ORIGINAL_START.search(human_text)
    tail = human_text[start.start() :] if start else human_text
    m = _MSGID_LINE.search(tail)
    if m:
        return m.group(1).strip("<>")
    return ""


# --------------------------------------------------------------------------------------------------------------------
# Standard reports


def _dsn_recipients(text: str, human: str) -> list[FailedRecipient]:
    out: list[FailedRecipient] = []
    blocks = _heuristic_blocks(human)
    cut = _ORIGINAL_START.search(human)
    head = (human[: cut.start()] if cut else human)[:2000]
    for fields in _fields(text):
        has_rcpt = "final-recipient" in fields or "original-recipient" in fields
        # Original-Recipient is the address as we sent it (before forwarding/alias expansion): the one to mark
        address = _addr_from(fields.get("original-recipient", "")) or _addr_from(fields.get("final-recipient", ""))
        if not address and has_rcpt and ("status" in fields or "action" in fields):
            guessed = [a for a, _ in blocks]
            address = guessed[len(out)] if len(out) < len(guessed) else ""
            if not address:
                address = _addr_from(fields.get("x-actual-recipient", "")) or ""
        if not address and not (has_rcpt and "status" in fields):
            continue
        action = fields.get("action", "").strip().lower()
        status = _status_in(fields.get("status", ""))
        diagnostic = _SMTP_PREFIX.sub("", fields.get("diagnostic-code", ""))
        context = next((d + "\n" + head for a, d in blocks if a == address and d.strip()), head)
        if not diagnostic.strip():
            diagnostic = context[:MAX_DIAGNOSTIC]
        if not status or status.endswith(".0.0"):
            better = _status_in(diagnostic)
            if better and better[0] == (status or better)[0]:
                status = better
        dsn_status = _status_in(fields.get("status", ""))
        out.append(_recipient(address, status, diagnostic, action, context, dsn_status=dsn_status))
        if len(out) >= MAX_RECIPIENTS:
            break
    return out


def _feedback_report(message: Message, report_text: str) -> BounceReport:
    fields: dict[str, str] = {}
    for block in _fields(report_text):
        for k, v in block.items():
            fields.setdefault(k, v)
    addresses: list[str] = []
    for key in ("original-rcpt-to", "removal-recipient"):
        a = _addr_from(fields.get(key, ""))
        if a:
            addresses.append(a)
    mid = ""
    for part in _walk(message):
        if _ctype(part) not in ("message/rfc822", "text/rfc822-headers"):
            continue
        text = _text_of(part)
        found: list[str] = []
        for line in text.splitlines():
            low = line.lower()
            if not line.strip():
                break  # end of the attached header block
            if not found and low.startswith(("x-hmxmroriginalrecipient:", "x-original-to:", "to:")):
                found = [a.lower() for a in _ADDR.findall(line)]
        m = _MSGID_LINE.search(text)
        if m and not mid:
            mid = m.group(1).strip("<>")
        if found and not addresses:
            addresses = found
    feedback_type = fields.get("feedback-type", "abuse").strip().lower() or "abuse"
    diagnostic = f"feedback-type: {feedback_type}"
    if not addresses:
        addresses = [""]
    recipients = tuple(
        FailedRecipient(address=a, status="", reason="feedback", hard=False, diagnostic=diagnostic)
        for a in dict.fromkeys(addresses)
    )
    return BounceReport("feedback", recipients, mid)


# --------------------------------------------------------------------------------------------------------------------
# Non-standard bounces


def _heuristic_blocks(text: str) -> list[tuple[str, str]]:
    """Split the human-readable part of a bounce into (recipient, diagnostic) blocks."""
    cut = _ORIGINAL_START.search(text)
    head = text[: cut.start()] if cut else text
    lines = head.splitlines()[:2000]
    blocks: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    blank_run = 0
    for line in lines:
        m = _RCPT_LINE.match(line)
        if m and not _NON_RCPT_CONTEXT.search(line[: m.start("addr")]):
            addr = m.group("addr").lower().rstrip(".")
            local = addr.split("@", 1)[0]
            if local != "mailer-daemon" and not _NON_RCPT_CONTEXT.search(m.group("rest")[:20]):
                first = m.group("rest").lstrip(":. ")
                if m.group("code"):
                    first = f"{m.group('code')} {first}"
                current = (addr, [first])
                blocks.append(current)
                blank_run = 0
                continue
        if current is None:
            continue
        if not line.strip():
            blank_run += 1
            continue
        if (
            blank_run
            and any(s.strip() for s in current[1])
            and not line.startswith((" ", "\t"))
            and not (_ENHANCED.search(line) or _REPLY.match(line.strip()))
        ):
            # a new unindented paragraph after some diagnostic does not belong to the recipient block
            current = None
            blank_run = 0
            continue
        blank_run = 0
        if (
            line[:1].isdigit()
            and _REPLY.match(line)
            and any(_REPLY.match(x) or _ENHANCED.match(x) for x in current[1] if x)
        ):
            # an unindented reply line after the recipient's own reply belongs to the next (address-less) statement
            current = None
            continue
        current[1].append(line.strip())
    merged: dict[str, str] = {}
    for addr, diag in blocks:
        joined = " ".join(s for s in diag if s)
        merged[addr] = (merged.get(addr, "") + " " + joined).strip() if addr in merged else joined
    return list(merged.items())


def _heuristic_recipients(text: str, *, delay: bool, exclude: set[str]) -> list[FailedRecipient]:
    cut = _ORIGINAL_START.search(text)
    head = text[: cut.start()] if cut else text
    blocks = [(a, d) for a, d in _heuristic_blocks(text) if a not in exclude]
    action = "delayed" if delay else "failed"
    out: list[FailedRecipient] = []
    if blocks:
        for addr, diag in blocks[:MAX_RECIPIENTS]:
            if len(diag.strip()) < 5:
                diag = (diag + " " + head[:1500]).strip()
            out.append(_recipient(addr, "", diag, action))
        return out
    # Fallback: the first plausible address in the text (not the sender side); the whole text is the diagnostic.
    for addr in _ADDR.findall(head):
        addr = addr.lower().rstrip(".")
        if addr in exclude or addr.split("@", 1)[0] == "mailer-daemon":
            continue
        out.append(_recipient(addr, "", head[:2000], action))
        break
    if not out and head.strip():
        out.append(_recipient("", "", head[:2000], action))
    return out


# --------------------------------------------------------------------------------------------------------------------
# Amazon SES notifications (JSON, often delivered through SNS e-mail subscriptions with folded lines)

_SES_TYPE = re.compile(r'"notificationType"\s*:\s*"(Bounce|Complaint|Delivery)"', re.I)
_SES_BOUNCE_TYPE = re.compile(r'"bounceType"\s*:\s*"(\w+)"', re.I)
_SES_RCPT_LIST = re.compile(r'"(bouncedRecipients|complainedRecipients)"\s*:\s*\[(.*?)\]', re.I | re.S)
_SES_RCPT = re.compile(r"\{([^{}]*)\}")
_SES_FIELD = re.compile(r'"(emailAddress|status|diagnosticCode|action)"\s*:\s*"((?:[^"\\]|\\.)*)"', re.I)
_SES_DELIVERY = re.compile(r'"delivery"\s*:\s*\{.*?"recipients"\s*:\s*\[([^\]]*)\]', re.I | re.S)
_SES_MSGID = re.compile(r'"name"\s*:\s*"Message-ID"\s*,\s*"value"\s*:\s*"<?([^"<>]+)>?"', re.I)


def _ses_notification(text: str) -> BounceReport | None:
    flat = text.replace("\\", "").replace("\r", "").replace("\n", "")
    m = _SES_TYPE.search(flat)
    if not m:
        return None
    kind_name = m.group(1).lower()
    mid_match = _SES_MSGID.search(flat)
    mid = mid_match.group(1) if mid_match else ""
    if kind_name == "delivery":
        return BounceReport("bounce", (), mid)  # a success notification: nothing failed
    lst = _SES_RCPT_LIST.search(flat)
    entries: list[dict[str, str]] = []
    if lst:
        for obj in _SES_RCPT.findall(lst.group(2)):
            entries.append({k.lower(): v for k, v in _SES_FIELD.findall(obj)})
    if kind_name == "complaint":
        recips = tuple(
            FailedRecipient(e.get("emailaddress", "").lower(), "", "feedback", False, "feedback-type: abuse")
            for e in entries
        ) or (FailedRecipient("", "", "feedback", False, "feedback-type: abuse"),)
        return BounceReport("feedback", recips, mid)
    btype = _SES_BOUNCE_TYPE.search(flat)
    transient = bool(btype) and btype.group(1).lower() != "permanent"  # type: ignore[union-attr]
    action = "delayed" if transient else "failed"
    out = [
        _recipient(
            e.get("emailaddress", ""),
            _status_in(e.get("status", "")),
            _SMTP_PREFIX.sub("", e.get("diagnosticcode", "")),
            action,
        )
        for e in entries
    ]
    return BounceReport("delay" if transient else "bounce", tuple(out), mid)


# --------------------------------------------------------------------------------------------------------------------
# Entry point


def parse_bounce(message: email.message.EmailMessage) -> BounceReport | None:
    """Parse a bounce/DSN/feedback report/auto-reply; ``None`` for other mail. Never raises."""
    try:
        return _parse(message)
    except Exception:
        try:
            verdict = loops.verdict_for(message)
        except Exception:
            return None
        if verdict.machine and any(r in _BOUNCE_VERDICTS for r in verdict.reasons):
            return BounceReport("bounce", (), "")
        return None


_BOUNCE_VERDICTS = {"delivery-status report", "bounce sender", "bounce subject", "bounce body"}


_LIST_ADMIN = re.compile(r"^(?:owner-.+|.+-(?:admin|owner|request|bounces?|errors?))@", re.I)
_LIST_NOTICE_SUBJECT = re.compile(
    r"not (?:a )?member|loop (?:alert|detected)|duplicated message-id|(?:post(?:ing)?|message) (?:rejected|denied|"
    r"refused)|rejected|held for moderation|requires? approval|not delivered",
    re.I,
)


def _list_notice(message: Message, human: str) -> BounceReport | None:
    """Error notices from mailing-list software ("you are not a member", "loop alert") about mail we posted."""
    sender = _addr_from(_header(message, "From"))
    subject = _header(message, "Subject")
    if not sender or not _LIST_ADMIN.match(sender) or not _LIST_NOTICE_SUBJECT.search(subject):
        return None
    diagnostic = (subject + " " + human[:1000]).strip()
    reason = classify_reason("", diagnostic)
    if reason in HARD_REASONS or reason in HARD_IF_PERMANENT or reason == "undefined":
        reason = "rejected"
    refs = (_header(message, "In-Reply-To") + " " + _header(message, "References")).split()
    mid = _clean_msgid(refs[-1]) if refs else ""
    rcpt = FailedRecipient(sender, "", reason, False, _WS.sub(" ", diagnostic)[:MAX_DIAGNOSTIC])
    return BounceReport("bounce", (rcpt,), mid)


def _nested_report(message: Message, depth: int) -> BounceReport | None:
    """Some gateways wrap the real DSN as an attached message: parse that one."""
    for part in _walk(message):
        if _ctype(part) != "message/rfc822":
            continue
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message) and _ctype(inner) == "multipart/report":
            return _parse(inner, depth + 1)
    return None


def _parse(message: Message, depth: int = 0) -> BounceReport | None:
    verdict = loops.verdict_for(message)
    if not verdict.machine:
        return None  # every report we understand is machine-generated mail; skip the body work for human mail
    reasons = set(verdict.reasons)
    human_parts: list[str] = []
    dsn_texts: list[str] = []
    feedback_texts: list[str] = []
    for part in _walk(message):
        ctype = _ctype(part)
        if ctype.startswith("multipart/"):
            if not part.is_multipart():  # broken MIME structure: read the raw body as text
                human_parts.append(_text_of(part))
            continue
        if ctype == "message/delivery-status" or ctype == "message/global-delivery-status":
            dsn_texts.append(_text_of(part))
        elif ctype == "message/feedback-report":
            feedback_texts.append(_text_of(part))
        elif ctype.startswith("text/") and ctype not in ("text/rfc822-headers",):
            text = _text_of(part)
            if ctype == "text/html":
                text = re.sub(r"<[^>]{0,2000}>", " ", text)
            human_parts.append(text)
    human = "\n".join(human_parts)[: MAX_TEXT * 2]

    try:
        report_type = (message.get_param("report-type", header="content-type") or "").__str__().lower()
    except Exception:
        report_type = ""

    if feedback_texts or report_type == "feedback-report":
        return _feedback_report(message, "\n\n".join(feedback_texts))
    if "feedback report" in reasons:
        return _feedback_report(message, "")

    if not dsn_texts and _DSN_FIELD.search(human) and re.search(r"^Status\s*:\s*\d", human, re.M | re.I):
        # delivery-status fields pasted as text (some gateways)
        dsn_texts.append(human[_DSN_FIELD.search(human).start() :])  # type: ignore[union-attr]

    if verdict.machine and "notificationType" in human:
        ses = _ses_notification(human)
        if ses is not None:
            return ses if ses.recipients else None

    own: set[str] = set()
    for name in ("From", "Return-Path", "Sender"):
        own.update(a.lower() for a in _ADDR.findall(_header(message, name)))
    if dsn_texts:
        recipients = _dsn_recipients("\n\n".join(dsn_texts), human)
        if recipients:
            # success notifications (delivered/relayed/expanded, 2.x.x) are not failures: leave those recipients out,
            # and a report with nothing but successes is not a bounce at all
            failed = [r for r in recipients if r.reason != "delivered"]
            if not failed:
                return None
            kind = "delay" if all(r.status.startswith("4") for r in failed) else "bounce"
            return BounceReport(kind, tuple(failed), _original_message_id(message, human))

    bouncy = bool(dsn_texts) or bool(reasons & _BOUNCE_VERDICTS)
    if not bouncy and "list-id" in reasons:
        notice = _list_notice(message, human)
        if notice is not None:
            return notice
    if not bouncy:
        if verdict.machine and reasons & _AUTO_REPLY_VERDICTS and not reasons & {"list-id", "precedence: list"}:
            sender = _addr_from(_header(message, "From"))
            subject = _header(message, "Subject")
            return BounceReport(
                "auto-reply",
                (FailedRecipient(sender, "", "vacation", False, subject[:MAX_DIAGNOSTIC]),),
                _clean_msgid(_header(message, "In-Reply-To")) if _header(message, "In-Reply-To") else "",
            )
        return None

    subject = _header(message, "Subject")
    delay = bool(_DELAY_HINT.search(subject)) and not _PERMANENT_HINT.search(subject)
    recipients = _heuristic_recipients(human, delay=delay, exclude=own)
    if (not recipients or not recipients[0].address) and depth < 2:
        nested = _nested_report(message, depth)
        if nested is not None and nested.recipients:
            return nested
    mid = _original_message_id(message, human)
    kind = "delay" if delay else "bounce"
    return BounceReport(kind, tuple(recipients), mid)


_AUTO_REPLY_VERDICTS = {"auto-submitted: auto-replied", "x-autoreply", "x-autorespond", "vacation subject"}
