"""Parsing inbound mail into a ParsedEmail: decoded headers, text, sanitised HTML and attachments.

Pure (no database). `parse` never raises: every problem becomes a human-readable line in `errors` and whatever could
be read is kept. The stdlib `email` package (policy.default) builds the tree; header and body decoding are done here
because real mail is mislabelled far more often than the stdlib's strict decoding tolerates.

Memory: the feed parser is fed in chunks and base64 is decoded chunk by chunk, so a large attachment costs roughly its
encoded text once plus its decoded bytes. Payloads of large attachments are emptied in the returned `message` tree
(headers stay), so the decoded bytes in `attachments` are the only copy kept.
"""

from __future__ import annotations

import binascii
import email.message
import email.utils
import hashlib
import mimetypes
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.feedparser import BytesFeedParser
from email.parser import BytesParser
from typing import IO, Any

from upstream.core.html import html_to_text, sanitise

from .charsets import decode_bytes, decode_header_bytes, decode_word
from .tnef import unpack_tnef
from .uudecode import extract_uuencoded

CHUNK = 64 * 1024
MAX_HEADER_CHARS = 16 * 1024  # longer values are cut: nobody reads a 2 MB subject, and it must not reach the DB
MAX_IDS = 500  # cap on References / In-Reply-To entries; we keep the first (thread root) and the most recent ones
MAX_ADDRESSES = 1000
MAX_FILENAME = 200
MAX_ERRORS = 200
DROP_PAYLOAD_OVER = 1024 * 1024  # attachments at least this big are removed from the returned tree to save memory

AUTO_HEADERS = (
    "auto-submitted", "x-autoreply", "x-autorespond", "precedence", "list-id", "list-unsubscribe", "return-path",
    "x-auto-response-suppress", "content-type", "x-failed-recipients", "feedback-type",
)  # fmt: skip
BODY_TYPES = ("text/plain", "text/html")
TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")


@dataclass(frozen=True)
class Address:
    email: str  # lower-cased domain, local part as given; "" when unparseable
    name: str  # decoded display name


@dataclass
class ParsedAttachment:
    filename: str  # sanitised, never empty ("attachment" + guessed ext when missing)
    content_type: str  # lower-case maintype/subtype
    size: int  # decoded bytes
    md5: str  # hex md5 of decoded bytes
    content_id: str  # without <>, "" if none
    inline: bool  # True for cid-referenced/inline disposition images
    data: bytes = field(repr=False)


@dataclass
class ParsedEmail:
    from_: Address | None
    to: list[Address]
    cc: list[Address]
    reply_to: list[Address]
    subject: str
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    date: datetime | None
    text: str
    html: str
    attachments: list[ParsedAttachment]
    errors: list[str]
    message: email.message.EmailMessage | None
    auto_headers: dict[str, str]


# ------------------------------------------------------------------------------------------------------ entry points


def parse(raw: bytes) -> ParsedEmail:
    """Parse a whole message held in memory. Never raises."""
    view = memoryview(raw)
    # Feeding in chunks keeps the parser's line buffer small instead of splitting the whole message at once.
    return _parse_chunks(bytes(view[start : start + CHUNK]) for start in range(0, len(raw), CHUNK))


def parse_file(source: str | os.PathLike[str] | IO[bytes]) -> ParsedEmail:
    """Parse a message from a path or a binary file object, reading it in chunks. Never raises."""
    if isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as handle:
                return _parse_chunks(iter(lambda: handle.read(CHUNK), b""))
        except OSError as exc:
            return _empty([f"Could not read the message file: {exc}"])
    return _parse_chunks(iter(lambda: source.read(CHUNK), b""))


def to_json_dict(parsed: ParsedEmail) -> dict[str, Any]:
    """A JSON-serialisable summary (no attachment bytes, no stdlib tree)."""

    def address(value: Address) -> dict[str, str]:
        return {"address": value.email, "name": value.name}

    return {
        "from": address(parsed.from_) if parsed.from_ else None,
        "to": [address(a) for a in parsed.to],
        "cc": [address(a) for a in parsed.cc],
        "reply_to": [address(a) for a in parsed.reply_to],
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "in_reply_to": list(parsed.in_reply_to),
        "references": list(parsed.references),
        "date": parsed.date.isoformat() if parsed.date else None,
        "body_text": parsed.text,
        "body_html": parsed.html,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "md5": a.md5,
                "content_id": a.content_id,
                "inline": a.inline,
            }
            for a in parsed.attachments
        ],
        "errors": list(parsed.errors),
    }


def _empty(errors: list[str]) -> ParsedEmail:
    return ParsedEmail(None, [], [], [], "", "", [], [], None, "", "", [], errors, None, {})


def _parse_chunks(chunks: Iterable[bytes]) -> ParsedEmail:
    errors: list[str] = []
    total = 0
    try:
        parser = BytesFeedParser(policy=policy.default)
        for chunk in chunks:
            total += len(chunk)
            parser.feed(chunk)
        message = parser.close()
    except Exception as exc:  # the feed parser is lenient; anything it still raises must not lose the message
        return _empty([f"The message could not be parsed at all: {exc!r}"])
    if total == 0:
        errors.append("The message is empty (zero bytes)")
    assert isinstance(message, email.message.EmailMessage)
    try:
        return _Builder(message, errors, empty=total == 0).build()
    except Exception as exc:  # a bug or an input we did not foresee: keep the tree and report
        result = _empty([*errors, f"Unexpected error while reading the message: {exc!r}"])
        result.message = message
        return result


# ------------------------------------------------------------------------------------------------------------- headers

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=)\s+(?==\?)")
_BOUNDARY_LINE = re.compile(rb"^--([^\s\"]{1,200}?)(?:--)?[ \t]*\r?$", re.MULTILINE)
_IDS = re.compile(r"<([^<>\s]+)>")


def _decode_encoded_word(match: re.Match[str]) -> str:
    declared, kind, payload = match.group(1), match.group(2).upper(), match.group(3)
    declared = declared.split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*en?Q?...?=
    try:
        if kind == "B":
            data = binascii.a2b_base64(payload + "=" * (-len(payload) % 4))
        else:
            data = binascii.a2b_qp(payload.replace("_", " ").encode("ascii", "surrogateescape"))
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_word(data, declared)


def decode_header_text(value: str, hint: str | None = None) -> str:
    """Decode a raw header value: 8-bit bytes (surrogate-escaped by the parser) and RFC 2047 encoded words."""
    raw = value.encode("utf-8", "surrogateescape")
    if not raw.isascii():
        value = decode_header_bytes(raw, hint)
    if "=?" in value:
        # Whitespace between adjacent encoded words is not part of the text (RFC 2047 section 6.2).
        value = _ENCODED_WORD.sub(_decode_encoded_word, _BETWEEN_WORDS.sub(r"\1", value))
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _normalise_space(value: str) -> str:
    # NUL and other control characters are never meaningful in a header, and PostgreSQL rejects NUL in text.
    return " ".join(_CONTROL.sub("", value).split())


def _clean_text(value: str) -> str:
    """Body text with LF line endings and without NULs (which PostgreSQL text columns cannot store)."""
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _ids(value: str) -> list[str]:
    found = _IDS.findall(value)
    return found if found else [token.strip("<>") for token in value.split() if token.strip("<>")]


# --------------------------------------------------------------------------------------------------------- attachments

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def guess_extension(content_type: str) -> str:
    if content_type == "message/rfc822":
        return ".eml"
    if content_type == "text/plain":
        return ".txt"
    return mimetypes.guess_extension(content_type, strict=False) or ".bin"


def safe_filename(name: str, content_type: str = "application/octet-stream") -> str:
    """A safe basename: no directories, control characters or '..'; keeps the extension; at most 200 characters."""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\.{2,}", ".", " ".join(name.split())).strip(" .")
    stem, ext = os.path.splitext(name)
    if not stem:
        stem, ext = ("attachment", ext or guess_extension(content_type)) if not name.startswith(".") else ("", "")
        stem = stem or "attachment"
    if stem.lower() in _RESERVED:
        stem = "_" + stem
    if len(ext) > 20:  # not a real extension; don't let it eat the whole name
        stem, ext = stem + ext, ""
    return stem[: MAX_FILENAME - len(ext)].rstrip(" .") + ext if len(stem) + len(ext) > MAX_FILENAME else stem + ext


_B64_KEEP = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_DELETE = bytes(c for c in range(256) if c not in _B64_KEEP)
_WHITESPACE = b" \t\r\n"
_BAD_QP = re.compile(rb"=(?![0-9A-Fa-f]{2}|\r?\n|\Z)")


def _decode_base64(payload: str, errors: list[str], where: str) -> bytes:
    """Decode base64 chunk by chunk, skipping characters outside the alphabet (as lenient mail readers do)."""
    out = bytearray()
    carry = b""
    garbage = 0
    for start in range(0, len(payload), CHUNK * 16):
        chunk = payload[start : start + CHUNK * 16].encode("ascii", "replace")
        cleaned = chunk.translate(None, _B64_DELETE)
        garbage += len(chunk.translate(None, _B64_KEEP + _WHITESPACE + b"="))
        data = carry + cleaned
        usable = len(data) - len(data) % 4
        out += binascii.a2b_base64(data[:usable])
        carry = data[usable:]
    if len(carry) >= 2:
        out += binascii.a2b_base64(carry + b"=" * (-len(carry) % 4))
    elif carry:
        errors.append(f"{where}: base64 ended with an incomplete group; the last bits were ignored")
    if garbage:
        errors.append(f"{where}: base64 contained {garbage} invalid characters, which were ignored")
    return bytes(out)


def _raw_payload(part: email.message.Message) -> Any:
    """The payload as the parser stored it. get_payload() would decode 8-bit text with its declared charset, lossily
    and as a second full-size copy; we want the original bytes (surrogate-escaped in the str) instead."""
    return getattr(part, "_payload", None)


def _decode_payload(part: email.message.Message, errors: list[str], where: str) -> bytes:
    payload = _raw_payload(part)
    if isinstance(payload, list):
        return b""
    if not isinstance(payload, str):
        return bytes(payload or b"")
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if cte == "base64":
        return _decode_base64(payload, errors, where)
    raw = payload.encode("ascii", "surrogateescape")
    if cte == "quoted-printable":
        if _BAD_QP.search(raw):
            errors.append(f"{where}: invalid quoted-printable escapes were kept as they are")
        return binascii.a2b_qp(raw)
    if cte in ("x-uuencode", "uuencode", "x-uue"):
        _, files = extract_uuencoded(payload)
        if files:
            return files[0].data
        errors.append(f"{where}: declared uuencoded but no uuencoded block was found")
    elif cte not in ("", "7bit", "8bit", "binary"):
        errors.append(f"{where}: unknown Content-Transfer-Encoding {cte[:40]!r}; kept the raw bytes")
    return raw


# ---------------------------------------------------------------------------------------------------------- the builder


_RAW_NAME = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*(?:"([^"]*)"|([^;\s]+))""", re.IGNORECASE)


def _raw_filename(part: email.message.Message) -> str:
    """The filename/name parameter as written, for 8-bit names the stdlib could not decode."""
    for wanted in ("content-disposition", "content-type"):
        for key, value in part.raw_items():
            if key.lower() == wanted and (match := _RAW_NAME.search(str(value))):
                return match.group(1) or match.group(2) or ""
    return ""


class _Builder:
    def __init__(self, message: email.message.EmailMessage, errors: list[str], empty: bool = False) -> None:
        self.message = message
        self.empty = empty
        self.errors = errors
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.tnef_text: list[str] = []
        self.tnef_html: list[str] = []
        self.hint = self._charset_hint()
        self.part_count = 0

    def error(self, text: str) -> None:
        if len(self.errors) < MAX_ERRORS and text not in self.errors:
            self.errors.append(text)

    # -- headers

    def _charset_hint(self) -> str | None:
        """The first declared body charset: raw 8-bit headers are usually in the same charset as the body."""
        for part in self.message.walk():
            charset = self._param(part, "charset")
            if charset:
                return charset
        return None

    def _param(self, part: email.message.Message, name: str) -> str | None:
        try:
            value = part.get_param(name)
        except Exception:
            return None
        if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
            value = email.utils.collapse_rfc2231_value(value, errors="replace")
        return str(value) if value else None

    def header(self, name: str) -> str:
        """The decoded first value of a header, capped; "" when missing."""
        raw = None
        for key, value in self.message.raw_items():
            if key.lower() == name:
                raw = value
                break
        if raw is None:
            return ""
        original_length = len(raw)
        too_long = (
            original_length > MAX_HEADER_CHARS * 4
        )  # cut before decoding so a huge header costs no more than this
        if too_long:
            raw = raw[: MAX_HEADER_CHARS * 4]
        text = _normalise_space(decode_header_text(str(raw), self.hint))
        if too_long or len(text) > MAX_HEADER_CHARS:
            length = original_length if too_long else len(text)
            self.error(f"The {name} header was {length} characters long and was cut to {MAX_HEADER_CHARS}")
            text = text[:MAX_HEADER_CHARS]
        return text

    def raw_header(self, name: str) -> str:
        for key, value in self.message.raw_items():
            if key.lower() == name:
                return str(value)
        return ""

    def addresses(self, name: str) -> list[Address]:
        values = [str(v) for k, v in self.message.raw_items() if k.lower() == name]
        if not values:
            return []
        raw = ", ".join(values)
        if len(raw) > MAX_HEADER_CHARS * 16:
            self.error(f"The {name} header was too long; only its start was read")
            raw = raw[: MAX_HEADER_CHARS * 16]
        # Decode 8-bit bytes first but leave encoded words: a decoded display name may contain commas or quotes.
        raw_bytes = raw.encode("utf-8", "surrogateescape")
        text = raw if raw_bytes.isascii() else decode_header_bytes(raw_bytes, self.hint)
        result = []
        for display, addr in email.utils.getaddresses([text])[:MAX_ADDRESSES]:
            result.append(self._address(display, addr))
        valid = [a for a in result if a.email]
        if not valid and text.strip():
            self.error(f"Could not read any address in the {name} header")
            return [Address("", _normalise_space(decode_header_text(text, self.hint))[:200])]
        if any(not a.email and a.name for a in result):
            self.error(f"Some entries of the {name} header are not addresses and were skipped")
        return valid

    def _address(self, display: str, addr: str) -> Address:
        addr = addr.strip()
        local, at, domain = addr.rpartition("@")
        if not at or not local or not domain or any(c.isspace() for c in addr):
            email_value = ""
            display = display or addr
        else:
            email_value = f"{local}@{domain.lower()}"
        return Address(email_value, _normalise_space(decode_header_text(display, self.hint))[:MAX_HEADER_CHARS])

    def id_list(self, name: str) -> list[str]:
        raw = " ".join(str(v) for k, v in self.message.raw_items() if k.lower() == name)
        ids = _ids(raw)
        if len(ids) > MAX_IDS:
            self.error(f"The {name} header had {len(ids)} entries; kept the first and the last {MAX_IDS - 1}")
            ids = [ids[0], *ids[-(MAX_IDS - 1) :]]
        return [i[:998] for i in ids]

    def date(self) -> datetime | None:
        value = self.header("date")
        if not value:
            return None
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            self.error(f"Could not read the Date header {value[:80]!r}")
            return None
        # "-0000" means "time zone unknown"; the time is still UTC by definition (RFC 5322 section 3.3).
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

    # -- body

    def build(self) -> ParsedEmail:
        self.walk(self.message, depth=0)
        self.defects()
        text, html = self.bodies()
        message_ids = _ids(self.raw_header("message-id")[:2000])
        result = ParsedEmail(
            from_=next(iter(self.addresses("from")), None),
            to=self.addresses("to"),
            cc=self.addresses("cc"),
            reply_to=self.addresses("reply-to"),
            subject=self.header("subject"),
            message_id=message_ids[0][:998] if message_ids else "",
            in_reply_to=self.id_list("in-reply-to"),
            references=self.id_list("references"),
            date=self.date(),
            text=text,
            html=html,
            attachments=self.attachments,
            errors=self.errors,
            message=self.message,
            auto_headers={name: value for name in AUTO_HEADERS if (value := self.header(name))},
        )
        checks: list[tuple[str, object]] = [
            ("From", result.from_),
            ("Message-ID", result.message_id),
            ("Date", result.date),
        ]
        for missing, present in checks:
            if not present and not self.empty:
                self.error(f"The message has no usable {missing} header")
        return result

    def defects(self) -> None:
        for part in self.message.walk():
            for defect in getattr(part, "defects", [])[:20]:
                detail = f" ({str(defect)[:200]})" if str(defect) else ""
                self.error(f"MIME problem: {type(defect).__name__}{detail}")

    def bodies(self) -> tuple[str, str]:
        texts = self.texts or self.tnef_text
        htmls = self.htmls or self.tnef_html
        html = sanitise("\n".join(htmls)) if htmls else ""
        text = "\n\n".join(t.strip("\n") for t in texts) if texts else ""
        if not text.strip() and html:
            text = html_to_text(html)
        return text, html

    def walk(self, part: email.message.Message, depth: int) -> None:
        self.part_count += 1
        if depth > 50 or self.part_count > 5000:
            self.error("The message nests too deeply or has too many parts; the rest was skipped")
            return
        try:
            content_type = part.get_content_type()
            payload = _raw_payload(part)
            is_message = isinstance(payload, list) and part.get_content_maintype() == "message"
            if content_type == "message/rfc822" or is_message:
                self.attached_message(part, content_type)
            elif isinstance(payload, list):
                for child in payload:
                    if isinstance(child, email.message.Message):
                        self.walk(child, depth + 1)
            elif part.get_content_maintype() == "multipart":
                self.broken_multipart(part, depth)
            else:
                self.leaf(part, content_type)
        except Exception as exc:  # one broken part must not cost us the others
            self.error(f"Part {self.part_count} ({part.get_content_type()}) could not be read: {exc!r}")

    def broken_multipart(self, part: email.message.Message, depth: int) -> None:
        """A multipart whose boundary is missing or wrong: guess the boundary from the body, else read it as text."""
        raw = str(_raw_payload(part) or "").encode("ascii", "surrogateescape")
        match = _BOUNDARY_LINE.search(raw)
        if match is not None and depth < 50:
            boundary = match.group(1)
            shown = boundary.decode("ascii", "replace")
            self.error(f"A multipart part had no usable boundary; used the boundary found in its body ({shown!r})")
            header = b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
            recovered = BytesParser(policy=policy.default).parsebytes(header + raw)
            if isinstance(_raw_payload(recovered), list):
                self.walk(recovered, depth + 1)
                return
        self.error("A multipart part could not be split into parts; its content was kept as text")
        text, _ = decode_bytes(raw, None)
        self.texts.append(_clean_text(text))

    def disposition(self, part: email.message.Message) -> str:
        try:
            return (part.get_content_disposition() or "").lower()
        except Exception:
            return ""

    def filename(self, part: email.message.Message) -> str:
        try:
            name = part.get_filename() or self._param(part, "name") or ""
        except Exception:
            name = ""
        if not name or "\ufffd" in name or not name.encode("utf-8", "surrogateescape").isascii():
            # Raw 8-bit names (common from Chinese mailers) come back from the stdlib already mangled.
            name = _raw_filename(part) or name
        if name:
            name = decode_header_text(str(name), self.hint)
        return name

    def leaf(self, part: email.message.Message, content_type: str) -> None:
        where = f"Part {self.part_count} ({content_type})"
        disposition = self.disposition(part)
        filename = self.filename(part)
        data = _decode_payload(part, self.errors, where)
        is_body = content_type in BODY_TYPES and disposition != "attachment" and not filename
        if is_body:
            self.body_part(part, content_type, data, where)
            return
        is_tnef = content_type in TNEF_TYPES or filename.lower() == "winmail.dat"
        if is_tnef and self.tnef(data, filename, where):
            return
        content_id = str(part.get("content-id", "") or "").strip().strip("<>").strip()
        inline = bool(content_id and disposition != "attachment") or (
            disposition == "inline" and part.get_content_maintype() == "image"
        )
        self.add_attachment(filename, content_type, data, content_id, inline)
        if len(data) >= DROP_PAYLOAD_OVER:
            part.set_payload("")  # the decoded bytes are the copy we keep

    def body_part(self, part: email.message.Message, content_type: str, data: bytes, where: str) -> None:
        text, problem = decode_bytes(data, self._param(part, "charset"))
        text = _clean_text(text)
        if problem:
            self.error(f"{where}: {problem}")
        if content_type == "text/html":
            self.htmls.append(text)
            return
        remaining, files = extract_uuencoded(text)
        for uu in files:
            if uu.damaged:
                self.error(f"{where}: the uuencoded file {uu.name!r} had lines that could not be decoded")
            guessed = mimetypes.guess_type(uu.name, strict=False)[0] or "application/octet-stream"
            self.add_attachment(uu.name, guessed, uu.data, "", False)
        self.texts.append(remaining)

    def tnef(self, data: bytes, filename: str, where: str) -> bool:
        try:
            content = unpack_tnef(data)
        except Exception as exc:
            self.error(f"{where}: {filename or 'winmail.dat'} is not readable TNEF ({exc}); kept as an attachment")
            return False
        for name, file_data in content.files:
            guessed = mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
            self.add_attachment(name, guessed, file_data, "", False)
        if content.text.strip():
            self.tnef_text.append(_clean_text(content.text))
        if content.html.strip():
            self.tnef_html.append(_clean_text(content.html))
        return True

    def attached_message(self, part: email.message.Message, content_type: str) -> None:
        payload = _raw_payload(part)
        inner = payload[0] if isinstance(payload, list) and payload else None
        subject = ""
        if isinstance(inner, email.message.Message):
            subject = _normalise_space(decode_header_text(str(inner.get("subject", "") or ""), self.hint))
            data = _serialise(inner, self.errors)
        else:
            data = _decode_payload(part, self.errors, f"Part {self.part_count} ({content_type})")
        name = subject[: MAX_FILENAME - 4] or os.path.splitext(self.filename(part))[0] or "message"
        self.add_attachment(name + ".eml", "message/rfc822", data, "", False)

    def add_attachment(self, name: str, content_type: str, data: bytes, content_id: str, inline: bool) -> None:
        self.attachments.append(
            ParsedAttachment(
                filename=safe_filename(name, content_type),
                content_type=content_type.lower(),
                size=len(data),
                md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                content_id=content_id[:998],
                inline=inline,
                data=data,
            )
        )


def _serialise(message: email.message.Message, errors: list[str]) -> bytes:
    """An attached message's bytes; refolding is off so the original header lines survive as they were."""
    try:
        return message.as_bytes(policy=policy.default.clone(refold_source="none", max_line_length=0))
    except Exception:
        try:
            return message.as_bytes(policy=policy.compat32)
        except Exception as exc:
            errors.append(f"An attached message could not be re-serialised: {exc!r}")
            return b""
