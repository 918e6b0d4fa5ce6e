"""Mail-loop protection: recognise machine-generated mail. Pure: no database.

Never auto-reply to, and never open a ticket from, a message for which ``classify(...).machine`` is true.
Signals: RFC 3834 ``Auto-Submitted``, vendor auto-reply headers, ``Precedence``, ``List-Id``, an empty
Return-Path, delivery-status and feedback reports, bounce senders/subjects/bodies, vacation subjects, and mail
from our own addresses. Only the top-level message is inspected (attached messages are not).
"""

from __future__ import annotations

import email.message
import re
from collections.abc import Collection
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

__all__ = ["Verdict", "classify", "verdict_for"]

MAX_BODY_SCAN = 8 * 1024


@dataclass(frozen=True)
class Verdict:
    machine: bool
    reasons: tuple[str, ...]


_BOUNCE_LOCALPARTS = frozenset(
    {"mailer-daemon", "mailerdaemon", "mail-daemon", "maildaemon", "postmaster", "post_master", "mailer_daemon"}
)
_BOUNCE_DISPLAY = re.compile(
    r"^\s*\"?(?:mail delivery (?:system|subsystem|service)|mail(?:er)? daemon|mail administrator|"
    r"postmaster|mail deliver system|delivery status notification|internet mail delivery|"
    r"microsoft outlook|interscan mss|mail system)\b",
    re.I,
)
_ADDR = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]{1,64}@[A-Za-z0-9.\-]{1,255}")
_BARE_DAEMON = re.compile(r"^\s*<?\s*(?:mailer-daemon|postmaster)\s*>?\s*$", re.I)
# Subjects that MTAs use for bounces and that people practically never type themselves.
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]{0,40}\]\s*)?(?:"
    r"undeliver(?:ed|able)(?: mail| message)?\s*(?::|returned to sender|$)|"
    r"undelivered mail returned to sender|"
    r"mail delivery failed\s*(?::|$)|(?:mail )?delivery failure\s*(?::|$)|"
    r"delivery status notification\s*\((?:failure|delay|error|success|relay)|"
    r"delivery status notification: (?:error|delayed|failure)|"
    r"returned mail\s*:|failure notice\s*$|mail system error - returned mail|"
    r"warning:? ?-*could not send (?:message|mail) for past|"
    r"delivery notification: delivery has (?:failed|been delayed)|"
    r"non-?deliver(?:y|able) (?:report|notification|mail)|nondeliverable mail|"
    r"delayed mail \(still being retried\)|there was an error sending your mail|"
    r"message delivery has failed|mail could not be delivered\s*$|"
    r"ваше сообщение не доставлено|メールエラー通知|メッセージを配信できません|未送達|"
    r"系统退信|退信通知|邮件投递失败|投递失败"
    r")",
    re.I,
)
# Looser subjects: only count together with another bounce signal.
_WEAK_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:delivery (?:status|failure|failed|report|problem|notification)|(?:mail|message) (?:delivery )?"
    r"(?:failure|failed|not delivered|delivery (?:status|report))|failed delivery|could not send message|"
    r"mail failure|returned mail)",
    re.I,
)
_SMTP_DIAGNOSTIC = re.compile(
    r"\b[245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b|\b(?:550|551|552|553|554)\b.{0,80}\b(?:user|mailbox|recipient)", re.I
)
_HUMAN_FORWARD = re.compile(
    r"^\s*(?:re|fw|fwd|aw|wg|tr|sv|vs|rv|回复|答复|转发|回覆|轉寄)\s*(?:\[\d+\])?\s*[:：]", re.I
)
_QUOTE_START = re.compile(
    r"^(?:-{2,}\s*(?:forwarded|original) message|begin forwarded message|-{3,} ?original|>|on .{5,200} wrote:)",
    re.I | re.M,
)
_BOUNCE_BODY = re.compile(
    r"(?:This is the qmail-send program|"
    r"This message was created automatically by mail delivery software|"
    r"I'm afraid I wasn't able to deliver your message|"
    r"Delivery to the following recipients? failed|"
    r"The following address(?:\(es\)|es)? failed|"
    r"This is the mail system at host|"
    r"The original message was received at|"
    r"-+ ?Transcript of session follows|"
    r"Delivery has failed to these recipients|"
    r"Sorry, we were unable to deliver your message|"
    r"could not be delivered to one or more (?:of its )?recipients|"
    r"Your message (?:did not reach|could not be delivered|wasn'?t delivered|cannot be delivered)|"
    r"Message delivery to .{1,100} failed|"
    r"Unable to deliver message to the following|"
    r"Reporting-MTA:\s*dns;)",
    re.I,
)
_VACATION_SUBJECT = re.compile(
    r"^\s*(?:"
    r"auto(?:matic|matische|matisch|mated)?[- ]?(?:reply|response|answer|antwort|antwoord|respuesta)\b|"
    r"autoreply\b|auto:|auto-reply\b|autorespond|"
    r"out of (?:the )?office\s*(?::|reply|autoreply|auto|notice|alert|message|-|$)|ooo:|"
    r"(?:on )?vacation(?: reply| notice|:)|away from (?:the |my )?office|"
    r"abwesenheitsnotiz|abwesend|absence(?: du bureau)?\s*(?::|$)|r[ée]ponse automatique|"
    r"respuesta autom[áa]tica|risposta automatica|"
    r"resposta autom[áa]tica|automatyczna odpowied|"
    r"自动回复|自動回覆|自動回复|自动答复|自動応答|自動返信|不在通知|休假自动|자동 ?응답"
    r")",
    re.I,
)
# RFC 2369/2919 list headers and the ones older list managers (ezmlm, fml, majordomo) add.
_LIST_HEADERS = (
    "List-Id",
    "List-Unsubscribe",
    "List-Subscribe",
    "List-Post",
    "List-Help",
    "List-Owner",
    "Mailing-List",
    "X-Mailing-List",
    "X-ML-Name",
    "X-MLServer",
    "X-Loop-Detect",
)
_NOTIFICATION_HEADERS = ("X-Amz-Sns-Message-Id", "X-Amz-Sns-Subscription-Arn")
_NOREPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|no_reply|noreply[-+.].*|bounces?(?:[-+.].*)?)$", re.I)
_FEEDBACK_SUBJECT = re.compile(r"^\s*complaint about message from \S+", re.I)
_PRECEDENCE_MACHINE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})


def _raw_headers(message: Message) -> dict[str, str]:
    """First value of each header, unparsed (cheap; avoids the structured-header machinery)."""
    out: dict[str, str] = {}
    try:
        items = list(message.raw_items())
    except Exception:
        try:
            items = [(k, str(v)) for k, v in message.items()]
        except Exception:
            return out
    for name, value in items[:500]:
        try:
            key = str(name).strip().lower()
            if key not in out:
                out[key] = _UNFOLD.sub(" ", str(value)).strip()
        except Exception:
            continue
    return out


_UNFOLD = re.compile(r"\r?\n[ \t]*")
_SURROGATE = re.compile("[\udc80-\udcff]")


def _decoded(value: str) -> str:
    """Decode RFC 2047 encoded words; the raw value when that fails."""
    if _SURROGATE.search(value):  # raw 8-bit header bytes (usually UTF-8) kept as surrogate escapes
        try:
            value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except Exception:
            return value
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _addresses(value: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; tolerant of broken headers."""
    try:
        pairs = getaddresses([value])
    except Exception:
        pairs = []
    out = [(n, a.lower()) for n, a in pairs if a and "@" in a]
    if not out:
        out = [("", a.lower()) for a in _ADDR.findall(value)]
    return out


_CTYPE = re.compile(r"^\s*([\w.+\-]+/[\w.+\-]+)")
_REPORT_TYPE = re.compile(r"report-type\s*=\s*\"?([\w\-]+)", re.I)


def _parts(message: Message) -> list[tuple[Message, str]]:
    """(part, content type) for the MIME tree, not descending into attached messages."""
    out: list[tuple[Message, str]] = []
    stack = [message]
    while stack and len(out) < 100:
        part = stack.pop(0)
        try:
            ctype = part.get_content_type()
        except Exception:
            ctype = "text/plain"
        out.append((part, ctype))
        try:
            if ctype.startswith("multipart/") and part.is_multipart():
                payload = part.get_payload()
                if isinstance(payload, list):
                    stack[0:0] = [p for p in payload if isinstance(p, Message)]
        except Exception:
            continue
    return out


def _leading_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return ""
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset() or "utf-8"
        return payload[:MAX_BODY_SCAN].decode(charset, errors="replace")
    except (LookupError, UnicodeError):
        return payload[:MAX_BODY_SCAN].decode("latin-1")
    except Exception:
        return ""


def classify(message: email.message.EmailMessage, *, own_addresses: Collection[str] = ()) -> Verdict:
    """Decide whether ``message`` was generated by a machine. Never raises."""
    return verdict_for(message, own_addresses=own_addresses)


def verdict_for(message: Message, *, own_addresses: Collection[str] = ()) -> Verdict:
    """``classify`` for any ``email.message.Message`` (also legacy-policy and nested messages)."""
    try:
        reasons = _classify(message, own_addresses)
    except Exception:  # pragma: no cover - defensive: nothing above should raise
        reasons = ["unparseable"]
    return Verdict(machine=bool(reasons), reasons=tuple(dict.fromkeys(reasons)))


def _classify(message: Message, own_addresses: Collection[str]) -> list[str]:
    reasons: list[str] = []
    h = _raw_headers(message)

    auto = h.get("auto-submitted", "").lower()
    if auto:
        keyword = auto.split(";", 1)[0].strip()
        if keyword != "no":
            reasons.append(f"auto-submitted: {keyword}")
    if "x-autoreply" in h or "x-auto-reply" in h:
        reasons.append("x-autoreply")
    if "x-autorespond" in h or "x-autoresponder" in h:
        reasons.append("x-autorespond")
    suppress = h.get("x-auto-response-suppress", "").lower()
    if suppress and suppress not in ("none", "no"):
        reasons.append("x-auto-response-suppress")
    precedence = h.get("precedence", "").lower()
    if precedence in _PRECEDENCE_MACHINE:
        reasons.append(f"precedence: {precedence}")
    if any(name.lower() in h for name in _LIST_HEADERS):
        reasons.append("list-id")
    if h.get("x-loop") or "x-upstream-loop" in h:
        reasons.append("x-loop")
    if any(name.lower() in h for name in _NOTIFICATION_HEADERS):
        reasons.append("notification service")
    if "return-path" in h and h["return-path"].replace(" ", "") in ("<>", ""):
        reasons.append("empty return-path")

    ctype_raw = h.get("content-type", "")
    m = _CTYPE.match(ctype_raw)
    ctype = m.group(1).lower() if m else "text/plain"
    r = _REPORT_TYPE.search(ctype_raw) if ctype == "multipart/report" else None
    report = r.group(1).lower() if r else ""
    parts = _parts(message)
    part_types = {t for _, t in parts}
    subject = _decoded(h.get("subject", ""))
    if report in ("delivery-status", "disposition-notification") or part_types & _DSN_TYPES:
        reasons.append("delivery-status report")
    if report == "feedback-report" or "message/feedback-report" in part_types:
        reasons.append("feedback report")
    elif "message/rfc822" in part_types and _FEEDBACK_SUBJECT.match(subject):
        reasons.append("feedback report")  # non-ARF complaint loops (e.g. Microsoft JMRP) attach the message
    if "message/disposition-notification" in part_types:
        reasons.append("read receipt")

    senders: list[str] = []
    for name in ("from", "sender", "return-path"):
        value = _decoded(h.get(name, ""))
        if not value:
            continue
        if name != "return-path" and (_BOUNCE_DISPLAY.match(value) or _BARE_DAEMON.match(value)):
            reasons.append("bounce sender")
        for display, addr in _addresses(value):
            local = addr.split("@", 1)[0]
            if local in _BOUNCE_LOCALPARTS:
                reasons.append("bounce sender")
            if name != "return-path":
                senders.append(addr)
                if _NOREPLY.match(local) and "reply-to" not in h:
                    reasons.append("no-reply sender")
                if display and _BOUNCE_DISPLAY.match(display):
                    reasons.append("bounce sender")

    if _VACATION_SUBJECT.match(subject):
        reasons.append("vacation subject")
    human_forward = bool(_HUMAN_FORWARD.match(subject))
    if not human_forward:
        if _BOUNCE_SUBJECT.match(subject):
            reasons.append("bounce subject")
        if "delivery-status report" not in reasons:
            first_text = ""
            for part, t in parts:
                if t.startswith("text/"):
                    first_text = _leading_text(part)
                    break
            quote = _QUOTE_START.search(first_text)
            own_text = first_text[: quote.start()] if quote else first_text
            if _BOUNCE_BODY.search(own_text):
                reasons.append("bounce body")
            elif _WEAK_BOUNCE_SUBJECT.match(subject) and (reasons or _SMTP_DIAGNOSTIC.search(own_text)):
                reasons.append("bounce subject")

    if own_addresses:
        own = {a.strip().lower() for a in own_addresses if a}
        if any(s in own for s in senders):
            reasons.append("own address")
    return reasons


_DSN_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
