"""A real SMTP server on loopback for tests (aiosmtpd), recording everything it accepts.

Use it from any app's tests by importing the fixtures into that app's `tests/conftest.py`:

    from upstream.notifications.tests.smtp_sink import smtp_certificate, smtp_sink, smtp_sink_factory  # noqa: F401

(a conftest, not the test module: a test argument named like an imported fixture trips ruff's F811).

- `smtp_sink`: plain SMTP, no authentication, Django's settings pointed at it (`EMAIL_BACKEND` smtp, host, port).
- `smtp_sink_factory(tls=None | "starttls" | "ssl", auth=False)`: STARTTLS (required before AUTH) or implicit TLS
  (SMTPS) with a self-signed certificate made by the openssl CLI, which is trusted for the test through
  `SSL_CERT_FILE` (Django 5.2 verifies the server's certificate); `auth=True` requires AUTH LOGIN/PLAIN as
  `SmtpSink.USER` / `SmtpSink.PASSWORD` and sets EMAIL_HOST_USER/PASSWORD. Calling it again gives another server.

The sink: `.received` (list of `Received`: mail_from, rcpt_tos, raw bytes, parsed `email.message.EmailMessage`,
tls, login), `.fail_next(n, code=451)` answers DATA of the next n messages with an error,
`.refuse_recipient(address, "550 5.1.1 …")` refuses one RCPT, `.delay` slows each DATA answer, `.stop()` /
`.start()` (same port) to play an unreachable server, `.wait_for(n)`, `.by_message_id(id)`.
The fixtures need `smtp_certificate` too (session-scoped) when TLS is used: import all three.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    tls: bool
    login: str | None

    def __getitem__(self, header: str) -> Any:
        return self.message[header]


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        refusal = self.sink.refused_recipients.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        with self.sink.lock:
            if self.sink.failures:
                self.sink.failures -= 1
                self.sink.rejected += 1
                return self.sink.failure_reply
            raw = envelope.original_content or envelope.content
            # SMTP carries CRLF line ends; parse with the \n the email package uses so text parts compare naturally.
            parsed = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            auth = session.auth_data
            self.sink.received.append(
                Received(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    raw=raw,
                    message=parsed,
                    tls=server.transport.get_extra_info("ssl_object") is not None,  # STARTTLS or implicit
                    login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
                )
            )
        return "250 2.0.0 Message accepted"


class _QuietController(Controller):
    def factory(self) -> SMTP:
        # A new SMTP per connection; AUTH over implicit TLS or in clear (both on purpose here) makes it warn.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return super().factory()


class SmtpSink:
    USER = "mailer"
    PASSWORD = "s3cret-pa55"

    def __init__(self, *, tls: str | None = None, auth: bool = False, cert: tuple[Path, Path] | None = None) -> None:
        if tls not in (None, "starttls", "ssl"):
            raise ValueError("tls is None, 'starttls' or 'ssl'")
        if tls and cert is None:
            raise ValueError("TLS needs a certificate")
        self.tls, self.auth, self.cert = tls, auth, cert
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.received: list[Received] = []
        self.refused_recipients: dict[str, str] = {}
        self.failures = 0
        self.failure_reply = ""
        self.rejected = 0
        self.delay = 0.0  # seconds before answering DATA (to make concurrent senders overlap)
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    # --- control ------------------------------------------------------------------------------------------------

    def fail_next(self, n: int = 1, code: int = 451, text: str | None = None) -> None:
        """Answer DATA of the next `n` messages with `code` (451: try later; 550/554: permanent)."""
        default = "4.3.0 Temporary failure, try again later" if code < 500 else "5.7.1 Message rejected"
        with self.lock:
            self.failures = n
            self.failure_reply = f"{code} {text or default}"

    def refuse_recipient(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        self.refused_recipients[address.lower()] = reply

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received

    def by_message_id(self, message_id: str) -> list[Received]:
        return [r for r in self.received if r.message["Message-ID"] == f"<{message_id}>"]

    # --- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> SmtpSink:
        kwargs: dict[str, Any] = {"hostname": self.host, "port": self.port, "server_hostname": "localhost"}
        if self.tls:
            assert self.cert is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.cert[0]), str(self.cert[1]))
            if self.tls == "ssl":
                kwargs["ssl_context"] = context
            else:
                kwargs.update(tls_context=context, require_starttls=True)
        if self.auth:
            kwargs.update(
                authenticator=self._authenticate,
                auth_required=True,
                # Over STARTTLS aiosmtpd insists on TLS before AUTH (the default). Implicit TLS is already
                # encrypted but aiosmtpd only counts STARTTLS, and a plain test server may allow AUTH in clear.
                auth_require_tls=self.tls == "starttls",
            )
        self.controller = _QuietController(_Handler(self), **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            mechanism in ("LOGIN", "PLAIN")
            and isinstance(auth_data, LoginPassword)
            and auth_data.login == self.USER.encode()
            and auth_data.password == self.PASSWORD.encode()
        )
        # handled=False: aiosmtpd answers 235 or 535 itself; auth_data is what the session remembers as the login.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def configure(self, settings: Any) -> None:
        """Point Django's SMTP backend at this server (pytest-django's `settings` fixture restores it)."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "localhost" if self.tls else self.host
        settings.EMAIL_PORT = self.port
        settings.EMAIL_USE_TLS = self.tls == "starttls"
        settings.EMAIL_USE_SSL = self.tls == "ssl"
        settings.EMAIL_HOST_USER = self.USER if self.auth else ""
        settings.EMAIL_HOST_PASSWORD = self.PASSWORD if self.auth else ""
        settings.EMAIL_TIMEOUT = 5


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (openssl CLI; P-256, so it takes milliseconds)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp_sink_factory(
    settings: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Callable[..., SmtpSink]]:
    sinks: list[SmtpSink] = []

    def start(*, tls: str | None = None, auth: bool = False) -> SmtpSink:
        cert = request.getfixturevalue("smtp_certificate") if tls else None
        if cert is not None:
            monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))  # trust the self-signed certificate, and only it
        sink = SmtpSink(tls=tls, auth=auth, cert=cert).start()
        sinks.append(sink)
        sink.configure(settings)
        return sink

    yield start
    for sink in sinks:
        sink.stop()


@pytest.fixture
def smtp_sink(smtp_sink_factory: Callable[..., SmtpSink]) -> SmtpSink:
    return smtp_sink_factory()
