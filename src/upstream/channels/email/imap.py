"""Fetching mail over IMAP (stdlib imaplib), in small batches.

`fetch_batches` connects, logs in (password, or OAuth2 via SASL XOAUTH2), selects the folder, finds candidate UIDs
and hands their raw messages to a callback a batch at a time (`fetch` is the same with batches of one). Only when the
callback says a message is PROCESSED (the caller committed it) is the mailbox's action applied to that UID, right
after the callback returns: flag it \\Seen, move it to another folder, or delete it.

Delivery guarantee: at least once. A crash (or a lost connection) between the caller's commit and the action means the
message is fetched again on the next run; the caller dedupes by Message-ID / content hash. Nothing is ever removed
from the server before the caller said PROCESSED.

Memory: the candidate list holds UIDs only (searched in windows of message numbers, so even a huge mailbox never
produces one giant response line); message bodies are fetched one by one with BODY.PEEK[] and released after their
batch, so at most one batch (a few messages, `batch_bytes`, or a single larger message) is in memory.
"""

from __future__ import annotations

import base64
import contextlib
import enum
import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from upstream.channels.email.oauth2 import xoauth2_string

log = logging.getLogger(__name__)

SECURITY_CHOICES = ("ssl", "starttls", "none")
ACTION_CHOICES = ("flag", "move", "delete")
# Messages numbers searched per UID SEARCH: ~8 bytes per UID keeps a response line far below imaplib's 1 MB limit.
SEARCH_WINDOW = 50_000


class ImapError(Exception):
    """The mailbox could not be fetched at all (connection, TLS, login, folder). The message says which and why."""


class Outcome(enum.Enum):
    PROCESSED = "processed"  # the caller committed the message: apply the mailbox's action now
    KEEP = "keep"  # temporary failure: leave the message untouched for the next run


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str  # "ssl" (IMAPS, usually 993) | "starttls" (usually 143) | "none" (plain text; loopback only, please)
    username: str
    password: str = ""  # used when access_token_provider is None
    access_token_provider: Callable[[], str] | None = None  # returns an OAuth2 access token → AUTHENTICATE XOAUTH2
    folder: str = "INBOX"
    action: str = "flag"  # "flag" | "move" | "delete"
    move_to: str = "Processed"
    verify_tls: bool = True  # False accepts any certificate (self-signed test servers); prefer ca_file
    ca_file: str = ""  # a PEM file of CA certificates to trust instead of the system store
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY_CHOICES:
            raise ValueError(f"security must be one of {SECURITY_CHOICES}, not {self.security!r}")
        if self.action not in ACTION_CHOICES:
            raise ValueError(f"action must be one of {ACTION_CHOICES}, not {self.action!r}")
        if self.action == "move" and not self.move_to:
            raise ValueError("action 'move' needs a move_to folder")

    def __repr__(self) -> str:  # never leak the password into logs or tracebacks
        return (
            f"ImapSettings(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"username={self.username!r}, folder={self.folder!r}, action={self.action!r})"
        )


@dataclass
class FetchReport:
    seen: int = 0  # messages fetched and handed to the callback
    processed: int = 0  # callback said PROCESSED (action applied, or an error recorded if applying it failed)
    kept: int = 0  # callback said KEEP
    errors: list[str] = field(default_factory=list)  # one line per problem; the run went on after each
    failed_uids: list[int] = field(default_factory=list)  # UIDs whose callback raised or whose fetch failed

    def __str__(self) -> str:
        return f"{self.seen} seen, {self.processed} processed, {self.kept} kept, {len(self.errors)} errors"


def fetch(settings: ImapSettings, handle: Callable[[bytes], Outcome], *, limit: int = 200) -> FetchReport:
    """Fetch up to `limit` candidate messages (oldest UID first) and hand each raw message to `handle`: batches of
    one (see `fetch_batches`).

    Candidates: UNSEEN messages for action "flag"; all messages for "move" and "delete"; never those marked \\Deleted.
    If `handle` raises, the error is recorded and the message left as it is (it is a candidate again next run); the
    next message is fetched regardless. Raises ImapError when the mailbox cannot be reached, logged into or selected.
    If the connection drops in the middle, the run stops there and the report says so (nothing already PROCESSED is
    lost; the action for the message in flight may be repeated next run).

    `handle` should not raise for bad content (the caller quarantines what it cannot use and says PROCESSED): a
    message whose callback raises every time stays a candidate forever and uses one of the `limit` slots each run.
    """
    return fetch_batches(settings, lambda raws: [handle(raws[0])], limit=limit, batch_size=1)


def fetch_batches(
    settings: ImapSettings,
    handle: Callable[[list[bytes]], list[Outcome]],
    *,
    limit: int = 200,
    batch_size: int = 20,
    batch_bytes: int = 8 << 20,
) -> FetchReport:
    """Fetch up to `limit` candidate messages (oldest UID first) and hand them to `handle` in batches of at most
    `batch_size` messages and about `batch_bytes` (a larger message alone); `handle` answers with one Outcome per
    message, and the action is applied to each PROCESSED one before the next batch is fetched.

    If `handle` raises, the error is recorded for every message of the batch and they are left as they are.
    Otherwise as `fetch`.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    report = FetchReport()
    where = f"{settings.host}:{settings.port}"
    if settings.action == "move" and _same_folder(settings.move_to, settings.folder):
        raise ImapError(f"cannot move processed mail from {settings.folder!r} into itself; choose another folder")
    token = _access_token(settings)  # before connecting: a refused refresh token never opens an IMAP session
    with _connect(settings) as conn:
        _login(conn, settings, token)
        caps = _capabilities(conn)
        if settings.action == "move":
            _ensure_folder(conn, settings.move_to, where)
        exists = _select(conn, settings.folder, where)
        uids = _candidate_uids(conn, settings.action, exists, limit)
        log.debug("imap %s %s/%s: %d candidates", where, settings.username, settings.folder, len(uids))
        pending: list[tuple[int, bytes]] = []
        size = 0
        for position, uid in enumerate(uids):
            try:
                fetched = _fetch_one(conn, uid, report)
                if fetched is not None:
                    pending.append((uid, fetched))
                    size += len(fetched)
                last = position == len(uids) - 1
                if pending and (last or len(pending) >= batch_size or size >= batch_bytes):
                    _process_batch(conn, pending, settings, caps, handle, report)
                    pending, size = [], 0
            except (imaplib.IMAP4.abort, OSError) as exc:  # connection lost or timed out: stop, keep the report
                report.errors.append(f"connection to {where} lost at UID {uid}: {exc}")
                log.warning("imap %s %s: connection lost at UID %s: %s", where, settings.username, uid, exc)
                return report
        if settings.action in ("move", "delete") and "UIDPLUS" not in caps:
            # Without UID EXPUNGE (rare today), one EXPUNGE at the end removes what was marked \Deleted above, and
            # what an interrupted run left marked. It also removes what a person marked \Deleted in this folder;
            # in a mailbox whose processed mail is moved or deleted anyway, that is what they asked for.
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.expunge()
    return report


# --- steps -------------------------------------------------------------------------------------------------------


def _tls_context(settings: ImapSettings) -> ssl.SSLContext:
    if not settings.verify_tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    return ssl.create_default_context(cafile=settings.ca_file or None)


@contextlib.contextmanager
def _connect(settings: ImapSettings) -> Iterator[imaplib.IMAP4]:
    where = f"{settings.host}:{settings.port}"
    conn: imaplib.IMAP4
    try:
        if settings.security == "ssl":
            conn = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=_tls_context(settings), timeout=settings.timeout
            )
        else:
            conn = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
    except ssl.SSLError as exc:
        raise ImapError(f"TLS handshake with {where} failed: {exc}") from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"cannot connect to {where}: {_describe(exc)}") from exc
    try:
        if settings.security == "starttls":
            try:
                conn.starttls(ssl_context=_tls_context(settings))
            except ssl.SSLError as exc:
                raise ImapError(f"STARTTLS with {where} failed: {exc}") from exc
            except (OSError, imaplib.IMAP4.error) as exc:
                raise ImapError(f"STARTTLS with {where} failed: {_describe(exc)}") from exc
        yield conn
    finally:
        # LOGOUT (which also closes the socket), never CLOSE: CLOSE would expunge every \Deleted message in the
        # folder, not just ours.
        with contextlib.suppress(Exception):
            conn.logout()


def _access_token(settings: ImapSettings) -> str | None:
    if settings.access_token_provider is None:
        return None
    try:
        return settings.access_token_provider()
    except Exception as exc:  # OAuth2Error, or whatever the caller's provider raises
        who = f"{settings.username}@{settings.host}"
        raise ImapError(f"login failed for {who}: could not get an OAuth2 access token: {exc}") from exc


def _login(conn: imaplib.IMAP4, settings: ImapSettings, token: str | None) -> None:
    who = f"{settings.username}@{settings.host}"
    if token is not None:
        challenges: list[bytes] = []

        def respond(challenge: bytes) -> bytes:
            # First round: the XOAUTH2 initial response. If the server rejects the token it sends a JSON error as a
            # challenge, which the client must answer with an empty response before the tagged NO arrives.
            challenges.append(challenge)
            return xoauth2_string(settings.username, token) if len(challenges) == 1 else b""

        try:
            conn.authenticate("XOAUTH2", respond)
        except imaplib.IMAP4.error as exc:
            detail = _describe(exc)
            server_said = [c.decode(errors="replace") for c in challenges[1:] if c]
            if server_said:
                detail += f" (server said {server_said[0]})"
            raise ImapError(f"login failed for {who}: {detail}") from exc
        except OSError as exc:
            raise ImapError(f"login failed for {who}: {_describe(exc)}") from exc
        return
    try:
        if settings.password.isascii():
            conn.login(settings.username, settings.password)
        else:  # imaplib's LOGIN is ASCII-only; SASL PLAIN carries UTF-8
            plain = b"\0" + settings.username.encode() + b"\0" + settings.password.encode()
            conn.authenticate("PLAIN", lambda _challenge: plain)
    except (imaplib.IMAP4.error, OSError) as exc:
        raise ImapError(f"login failed for {who}: {_describe(exc)}") from exc


def _capabilities(conn: imaplib.IMAP4) -> frozenset[str]:
    # After login the server may announce more than in the greeting (MOVE, UIDPLUS); ask again.
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        typ, data = conn.capability()
        if typ == "OK" and data and isinstance(data[-1], bytes):
            return frozenset(data[-1].decode(errors="replace").upper().split())
    return frozenset(c.upper() for c in conn.capabilities)


def _select(conn: imaplib.IMAP4, folder: str, where: str) -> int:
    try:
        typ, data = conn.select(quote_folder(folder))
    except (imaplib.IMAP4.error, OSError) as exc:
        raise ImapError(f"cannot open folder {folder!r} on {where}: {_describe(exc)}") from exc
    if typ != "OK":
        raise ImapError(f"cannot open folder {folder!r} on {where} (does it exist?): {_text(data)}")
    try:
        return int(data[0] or 0)
    except (TypeError, ValueError):
        return 0


def _ensure_folder(conn: imaplib.IMAP4, folder: str, where: str) -> None:
    quoted = quote_folder(folder)
    try:
        typ, data = conn.list('""', quoted)
        if typ == "OK" and any(item for item in data if item):
            return
        typ, data = conn.create(quoted)
    except (imaplib.IMAP4.error, OSError) as exc:
        raise ImapError(f"cannot create folder {folder!r} on {where}: {_describe(exc)}") from exc
    if typ != "OK":
        raise ImapError(f"cannot create folder {folder!r} on {where}: {_text(data)}")
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        conn.subscribe(quoted)  # so mail clients show it


def _candidate_uids(conn: imaplib.IMAP4, action: str, exists: int, limit: int) -> list[int]:
    # \Deleted but not yet expunged means someone deleted it: never a candidate, in any mode.
    criteria = ("UNSEEN", "UNDELETED") if action == "flag" else ("UNDELETED",)
    uids: list[int] = []
    start = 1
    while start <= exists and len(uids) < limit:
        end = min(start + SEARCH_WINDOW - 1, exists)
        try:
            typ, data = conn.uid("SEARCH", f"{start}:{end}", *criteria)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError(f"searching the folder failed: {_describe(exc)}") from exc
        if typ != "OK":
            raise ImapError(f"searching the folder failed: {_text(data)}")
        found = sorted({int(n) for item in data if isinstance(item, bytes) for n in item.split()})
        uids.extend(found[: limit - len(uids)])
        start = end + 1
    return uids


def _fetch_one(conn: imaplib.IMAP4, uid: int, report: FetchReport) -> bytes | None:
    typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        report.errors.append(f"UID {uid}: fetch failed: {_text(data)}")
        report.failed_uids.append(uid)
        return None
    raw = _body(data)
    if raw is not None:  # else expunged by someone else since the search: nothing to do
        report.seen += 1
    return raw


def _process_batch(
    conn: imaplib.IMAP4,
    batch: list[tuple[int, bytes]],
    settings: ImapSettings,
    caps: frozenset[str],
    handle: Callable[[list[bytes]], list[Outcome]],
    report: FetchReport,
) -> None:
    uids = [uid for uid, _raw in batch]
    try:
        outcomes = handle([raw for _uid, raw in batch])
        if not isinstance(outcomes, list) or len(outcomes) != len(uids):
            raise TypeError(f"the handler returned {outcomes!r}, not one Outcome per message")
    except Exception as exc:  # one bad batch must not stop the rest; its messages stay on the server untouched
        log.exception("imap %s %s: handling UIDs %s failed", settings.host, settings.username, uids)
        for uid in uids:
            report.errors.append(f"UID {uid}: {type(exc).__name__}: {exc}")
            report.failed_uids.append(uid)
        return
    finally:
        batch.clear()  # the raw bytes go now, before the actions
    for uid, outcome in zip(uids, outcomes, strict=True):
        if outcome is Outcome.KEEP:
            report.kept += 1
            continue
        if outcome is not Outcome.PROCESSED:
            report.errors.append(f"UID {uid}: handler returned {outcome!r}, not an Outcome; message left as it is")
            report.failed_uids.append(uid)
            continue
        report.processed += 1
        # The caller has committed the message. Apply the action now, before fetching the next batch, so a crash
        # later in this run never re-processes it. (A crash between the caller's commit and this point means the
        # message comes again next run; the caller dedupes by Message-ID / content hash.)
        problem = _apply_action(conn, uid, settings, caps)
        if problem:
            report.errors.append(f"UID {uid}: stored, but could not {settings.action} it on the server: {problem}")


def _apply_action(conn: imaplib.IMAP4, uid: int, settings: ImapSettings, caps: frozenset[str]) -> str:
    """Returns "" on success, or what went wrong (IMAP NO/BAD). Connection errors propagate."""
    u = str(uid)
    try:
        typ, data = conn.uid("STORE", u, "+FLAGS.SILENT", r"(\Seen)")
        if typ != "OK":
            return _text(data)
        if settings.action == "flag":
            return ""
        if settings.action == "move" and "MOVE" in caps:
            typ, data = conn.uid("MOVE", u, quote_folder(settings.move_to))
            return "" if typ == "OK" else _text(data)
        if settings.action == "move":
            typ, data = conn.uid("COPY", u, quote_folder(settings.move_to))
            if typ != "OK":
                return _text(data)
        typ, data = conn.uid("STORE", u, "+FLAGS.SILENT", r"(\Deleted)")
        if typ != "OK":
            return _text(data)
        if "UIDPLUS" in caps:  # expunge just this message, not whatever else someone marked \Deleted
            typ, data = conn.uid("EXPUNGE", u)
            return "" if typ == "OK" else _text(data)
        return ""  # a plain EXPUNGE follows at the end of the run
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        return _describe(exc)


def _same_folder(a: str, b: str) -> bool:
    if a.upper() == "INBOX" or b.upper() == "INBOX":  # INBOX is case-insensitive (RFC 3501 §5.1)
        return a.upper() == b.upper()
    return a == b


def _body(data: list[object]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and b"BODY[]" in item[0].upper():
            return bytes(item[1])
    return None


# --- helpers -----------------------------------------------------------------------------------------------------


def quote_folder(name: str) -> str:
    """A folder name as an IMAP quoted string, in modified UTF-7 (RFC 3501 §5.1.3) when it is not plain ASCII."""
    encoded = _encode_mutf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _encode_mutf7(name: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            b64 = base64.b64encode("".join(pending).encode("utf-16-be")).decode().rstrip("=").replace("/", ",")
            out.append("&" + b64 + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _text(data: object) -> str:
    if isinstance(data, list | tuple):
        return " ".join(_text(d) for d in data if d is not None)
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return str(data)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    text = _text(exc.args[0]) if exc.args else ""
    text = re.sub(r"^b'(.*)'$", r"\1", text)
    return text or type(exc).__name__
