"""The optional built-in SMTP receiver (`upstream smtpd`), on aiosmtpd.

`make_controller` returns an aiosmtpd Controller (call .start() / .stop()); the SMTP server runs on an asyncio loop in
the controller's own thread. The callbacks (`deliver`, `accept_rcpt`) are synchronous and may use the Django ORM:
they never run on the event loop (Django would refuse: SynchronousOnlyOperation, and they would block every other
SMTP session) but in a small thread pool owned by the controller, via loop.run_in_executor. Around each call the
worker thread runs django.db.close_old_connections(), as Django does around a request, so a connection that went
stale or exceeded CONN_MAX_AGE between two messages is replaced rather than failing the delivery.

Replies: deliver → ACCEPTED "250 OK", TEMPORARY_FAILURE "451 4.3.0" (the sending MTA retries later), REJECTED
"550 5.7.1" (it bounces). An exception in `deliver` is logged and answered 451, so a bug or a database outage never
loses mail: the sender keeps it and retries. Messages over max_size are refused with 552 (at MAIL FROM when the client
announces SIZE, else after DATA); RCPT to an address `accept_rcpt` refuses gets "550 5.1.1 no such mailbox here".
"""

from __future__ import annotations

import asyncio
import enum
import logging
import socket
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from django.db import close_old_connections

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_RECIPIENTS = 100
# RFC 5321 caps lines at 1000 octets and aiosmtpd enforces it (500 "Line too long"), but real senders (web forms,
# some marketing tools) send longer lines, and MTAs such as Postfix accept them; bounce less, stay bounded.
LINE_LENGTH_LIMIT = 64 * 1024


class SmtpOutcome(enum.Enum):
    ACCEPTED = "accepted"
    TEMPORARY_FAILURE = "temporary_failure"
    REJECTED = "rejected"


REPLIES = {
    SmtpOutcome.ACCEPTED: "250 OK",
    SmtpOutcome.TEMPORARY_FAILURE: "451 4.3.0 temporary failure, please try again later",
    SmtpOutcome.REJECTED: "550 5.7.1 message rejected",
}
NO_SUCH_MAILBOX = "550 5.1.1 no such mailbox here"
TOO_MANY_RECIPIENTS = "452 4.5.3 too many recipients"
RCPT_CHECK_FAILED = "451 4.3.0 cannot check this recipient now, please try again later"

Deliver = Callable[[bytes, list[str], str], SmtpOutcome]
AcceptRcpt = Callable[[str], bool]


def _with_fresh_connections(fn: Callable[..., T], *args: Any) -> T:
    """Run fn in a worker thread the way Django runs a request: stale DB connections closed before and after."""
    close_old_connections()
    try:
        return fn(*args)
    finally:
        close_old_connections()


class ReceiverHandler:
    """aiosmtpd handler; the blocking callbacks run in `executor` (set by ReceiverController.start)."""

    def __init__(self, deliver: Deliver, accept_rcpt: AcceptRcpt | None) -> None:
        self.deliver = deliver
        self.accept_rcpt = accept_rcpt
        self.executor: ThreadPoolExecutor | None = None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _with_fresh_connections, fn, *args)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return TOO_MANY_RECIPIENTS
        if self.accept_rcpt is not None:
            try:
                accepted = await self._run(self.accept_rcpt, address)
            except Exception:
                log.exception("smtpd: checking recipient %r failed", address)
                return RCPT_CHECK_FAILED
            if not accepted:
                log.info("smtpd: refused RCPT %r from %s", address, _peer(session))
                return NO_SUCH_MAILBOX
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        if isinstance(raw, str):  # only if someone turns on decode_data
            raw = raw.encode("utf-8", "surrogateescape")
        rcpt_tos = list(envelope.rcpt_tos)
        mail_from = envelope.mail_from or ""
        try:
            outcome = await self._run(self.deliver, bytes(raw), rcpt_tos, mail_from)
        except Exception:
            log.exception("smtpd: delivering a message from %r to %r failed; answered 451", mail_from, rcpt_tos)
            return REPLIES[SmtpOutcome.TEMPORARY_FAILURE]
        reply = REPLIES.get(outcome)
        if reply is None:
            log.error("smtpd: deliver returned %r, not an SmtpOutcome; answered 451", outcome)
            return REPLIES[SmtpOutcome.TEMPORARY_FAILURE]
        return reply


class LenientSMTP(SMTP):
    line_length_limit = LINE_LENGTH_LIMIT


class ReceiverController(Controller):
    """A Controller that owns the worker pool for the callbacks: created on start(), drained on stop().

    Like any aiosmtpd Controller it is single-use: after stop() its event loop is closed; make a new one to restart.
    stop() is idempotent, so a signal handler and a finally block may both call it.
    """

    handler: ReceiverHandler

    def __init__(self, handler: ReceiverHandler, *, workers: int, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.workers = workers

    def factory(self) -> SMTP:
        return LenientSMTP(self.handler, **self.SMTP_kwargs)

    def start(self) -> None:
        self.handler.executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="smtpd-deliver")
        try:
            super().start()
        except BaseException:
            self._shutdown_executor()
            raise

    def stop(self, no_assert: bool = False) -> None:
        """Stop serving, wait for deliveries in progress, release the worker threads. A second call does nothing."""
        if getattr(self, "_thread", None) is None:
            self._shutdown_executor()
            return
        try:
            super().stop(no_assert=no_assert)
        finally:
            self._shutdown_executor()

    def _shutdown_executor(self) -> None:
        executor, self.handler.executor = self.handler.executor, None
        if executor is not None:
            executor.shutdown(wait=True)


def make_controller(
    deliver: Deliver,
    *,
    host: str,
    port: int,
    max_size: int,
    accept_rcpt: AcceptRcpt | None = None,
    server_hostname: str | None = None,
    tls_context: ssl.SSLContext | None = None,
    workers: int = 4,
    timeout: float = 300,
) -> ReceiverController:
    """An SMTP receiver on host:port (not started). `tls_context` offers STARTTLS (optional, never required)."""
    handler = ReceiverHandler(deliver, accept_rcpt)
    return ReceiverController(
        handler,
        workers=workers,
        hostname=host,
        port=port,
        server_hostname=server_hostname or socket.gethostname(),  # not getfqdn(): no DNS lookup at start
        data_size_limit=max_size,
        enable_SMTPUTF8=True,
        decode_data=False,
        tls_context=tls_context,
        require_starttls=False,
        timeout=timeout,
    )


def _peer(session: Any) -> str:
    peer = getattr(session, "peer", None)
    return f"{peer[0]}" if isinstance(peer, tuple) and peer else "?"
