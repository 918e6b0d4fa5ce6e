"""A private Dovecot for the IMAP tests, started on loopback with its own configuration in a temporary directory.

Nothing of the system installation is used except the binaries: the configuration (``-c``) sets its own base_dir,
state_dir and log_path; users live in passwd-files (one per user, so a user added mid-session can log in at once),
mail in Maildirs under the temporary directory. Services run as the user running the tests, with no chroot, so it
works without root. As root, two exceptions Dovecot insists on: imap-login runs as ``dovenull`` (or ``nobody``) and
the mail belongs to ``dovecot`` (or ``nobody``), since Dovecot refuses UID 0 for both. Each pytest session (each xdist
worker) starts its own instance on free ports (~0.1 s), and stops it at the end (its whole process group; it also gets
SIGTERM if the test process dies without cleaning up).

OAuth2: Dovecot's ``oauth2`` passdb validates XOAUTH2/OAUTHBEARER tokens by POSTing them to an RFC 7662-style
introspection URL. ``OAuthProvider`` is a small ``http.server`` on loopback that plays the identity provider: its
``/token`` endpoint exchanges refresh tokens for access tokens (what ``oauth2.refresh_access_token`` calls) and its
``/introspect`` endpoint tells Dovecot which user an access token belongs to. So the XOAUTH2 path is tested end to end
with a real SASL exchange against a real IMAP server; only the identity provider is a stand-in.
"""

from __future__ import annotations

import contextlib
import ctypes
import grp
import imaplib
import itertools
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
HOST = "127.0.0.1"
START_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _login_user() -> str:
    """imap-login refuses to run as root; as root, use Dovecot's own unprivileged login user (or nobody)."""
    if os.getuid() != 0:
        return pwd.getpwuid(os.getuid()).pw_name
    for name in ("dovenull", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    raise RuntimeError("running as root, Dovecot needs an unprivileged login user (dovenull or nobody)")


def _mail_ids() -> tuple[int, int]:
    """uid/gid that owns the Maildirs: Dovecot refuses mail access as UID 0, so as root use an unprivileged user."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    for name in ("dovecot", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    raise RuntimeError("running as root, Dovecot needs an unprivileged user to own the mail (dovecot or nobody)")


def _die_with_parent() -> None:
    """In the child before exec: if the test process dies without cleaning up (kill -9), Dovecot gets SIGTERM."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)


def _wait_listening(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return True
        time.sleep(0.01)
    return False


# --- the identity-provider stand-in ---------------------------------------------------------------------------------


@dataclass
class OAuthProvider:
    """Token endpoint + introspection endpoint on loopback. Thread-safe; lives as long as the Dovecot fixture."""

    client_id: str = "upstream-test-client"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> username
    rotate: bool = False  # issue a new refresh token on every exchange (and revoke the one used)
    access_tokens: dict[str, str] = field(default_factory=dict)  # access token -> username
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (path, form) as received
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://{HOST}:{self._server.server_address[1]}"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def introspection_url(self) -> str:
        return self.base_url + "/introspect"

    def grant(self, username: str) -> str:
        """A new refresh token for ``username`` (what the mailbox settings would store)."""
        token = "rt-" + secrets.token_urlsafe(16)
        with self._lock:
            self.refresh_tokens[token] = username
        return token

    def issue_access_token(self, username: str) -> str:
        token = "at-" + secrets.token_urlsafe(24)
        with self._lock:
            self.access_tokens[token] = username
        return token

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def _reply(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with provider._lock:
                    provider.requests.append((self.path, form))
                if self.path == "/token":
                    self._token(form)
                elif self.path == "/introspect":
                    with provider._lock:
                        user = provider.access_tokens.get(form.get("token", ""))
                    if user is None:
                        self._reply(200, {"active": False})
                    else:
                        self._reply(200, {"active": True, "username": user, "scope": "imap"})
                else:
                    self._reply(404, {"error": "not_found"})

            def _token(self, form: dict[str, str]) -> None:
                if form.get("client_id") != provider.client_id or form.get("client_secret") != provider.client_secret:
                    self._reply(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
                    return
                if form.get("grant_type") != "refresh_token":
                    self._reply(400, {"error": "unsupported_grant_type"})
                    return
                with provider._lock:
                    user = provider.refresh_tokens.get(form.get("refresh_token", ""))
                if user is None:
                    self._reply(
                        400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
                    )
                    return
                access = provider.issue_access_token(user)
                reply: dict[str, object] = {"access_token": access, "token_type": "Bearer", "expires_in": 3599}
                if provider.rotate:
                    # Like Microsoft's identity platform: every exchange returns a new refresh token; the old one dies.
                    with provider._lock:
                        provider.refresh_tokens.pop(form.get("refresh_token", ""), None)
                    reply["refresh_token"] = provider.grant(user)
                self._reply(200, reply)

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="oauth-stand-in", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# --- Dovecot ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailUser:
    username: str
    password: str


CONFIG = """\
# Generated by upstream.channels.email.tests.dovecot; nothing here comes from /etc/dovecot.
instance_name = {instance}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = {host}
shutdown_clients = yes

default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
last_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
last_valid_gid = {mail_gid}

ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no

auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
auth_cache_size = 0

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {root}/users/%Lu
  mechanisms = plain login
}}
passdb {{
  driver = oauth2
  args = {root}/oauth2.conf.ext
  mechanisms = xoauth2 oauthbearer
}}
userdb {{
  driver = passwd-file
  args = username_format=%Lu {root}/users/%Lu
}}

mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
mail_fsync = never

service imap-login {{
  chroot =
  process_min_avail = 1
  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # No auth penalty: every test logs in from 127.0.0.1, so one failed login would delay the next test's login by
  # seconds. Mode 0 is Dovecot's documented way to turn the penalty off.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth-worker {{
  user = {user}
}}
service imap {{
  process_limit = 64
}}
"""

OAUTH2_CONFIG = """\
introspection_mode = post
introspection_url = {introspection_url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
"""


class Dovecot:
    """One running Dovecot. Users are created per test (``add_user``) so tests never see each other's mail."""

    host = HOST

    def __init__(self, root: Path, oauth: OAuthProvider) -> None:
        self.root = root
        self.oauth = oauth
        self.imap_port = 0
        self.imaps_port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._counter = itertools.count(1)

    @property
    def ca_file(self) -> str:
        """The self-signed server certificate, usable as a CA file (CN=localhost, SAN localhost + 127.0.0.1)."""
        return str(self.root / "cert.pem")

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- lifecycle --

    def _write_files(self) -> None:
        uid, gid = os.getuid(), os.getgid()
        (self.root / "run").mkdir(exist_ok=True)
        (self.root / "state").mkdir(exist_ok=True)
        (self.root / "home").mkdir(mode=0o711, exist_ok=True)
        (self.root / "users").mkdir(exist_ok=True)
        if not (self.root / "cert.pem").exists():
            subprocess.run(
                [
                    "openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                    "-keyout",
                    str(self.root / "key.pem"),
                    "-out",
                    str(self.root / "cert.pem"),
                    "-days",
                    "2",
                    "-subj",
                    "/CN=localhost",
                    "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1",
                ],
                check=True,
                capture_output=True,
            )
        (self.root / "oauth2.conf.ext").write_text(OAUTH2_CONFIG.format(introspection_url=self.oauth.introspection_url))
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                instance=f"upstream-test-{os.getpid()}",
                root=self.root,
                host=HOST,
                user=pwd.getpwuid(uid).pw_name,
                group=grp.getgrgid(gid).gr_name,
                login_user=_login_user(),
                mail_uid=_mail_ids()[0],
                mail_gid=_mail_ids()[1],
                uid=uid,
                gid=gid,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
            )
        )

    def start(self) -> None:
        last_error = ""
        for _attempt in range(3):  # a free port can be taken by someone else between probing and binding
            self.imap_port, self.imaps_port = free_port(), free_port()
            self._write_files()
            self.proc = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() can sweep up every child
                preexec_fn=_die_with_parent,
            )
            deadline = time.monotonic() + START_TIMEOUT
            listening = _wait_listening(self.imap_port, deadline) and _wait_listening(self.imaps_port, deadline)
            if listening and self.proc.poll() is None:
                return
            out = self._terminate()
            last_error = f"{out}\n{self.log[-4000:]}"
        raise RuntimeError(f"Dovecot did not start:\n{last_error}")

    def _terminate(self) -> str:
        proc, self.proc = self.proc, None
        if proc is None:
            return ""
        if proc.poll() is None:
            proc.terminate()  # the master stops its children (shutdown_clients = yes) before it exits
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # A login process still holding a client can outlive the master; nothing of this instance may survive it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
        if proc.stdout:
            proc.stdout.close()
        return out

    def stop(self) -> None:
        self._terminate()

    # -- users --

    def add_user(self, name: str = "user", password: str | None = None) -> MailUser:
        """A fresh user with an empty Maildir."""
        username = f"{name}{next(self._counter)}-{secrets.token_hex(3)}@example.test".lower()
        password = password or secrets.token_urlsafe(12)
        home = self.root / "home" / username
        home.mkdir(parents=True)
        uid, gid = _mail_ids()
        if (uid, gid) != (os.getuid(), os.getgid()):
            os.chown(home, uid, gid)
        line = f"{username}:{{PLAIN}}{password}:{uid}:{gid}::{home}::\n"
        # One passwd-file per user: Dovecot looks at a known passwd-file at most once a second for changes, but opens
        # a new one (the path has %u in it) at the first login, so a user added now can log in now.
        (self.root / "users" / username).write_text(line)
        return MailUser(username, password)

    def kick(self, user: MailUser) -> None:
        """Disconnect the user's sessions from the server side (doveadm kick), like a server restart would."""
        subprocess.run(
            [DOVEADM, "-c", str(self.root / "dovecot.conf"), "kick", user.username], check=True, capture_output=True
        )

    # -- helpers that talk IMAP as the user (independent of the code under test) --

    @contextlib.contextmanager
    def connect(self, user: MailUser) -> Iterator[imaplib.IMAP4]:
        conn = imaplib.IMAP4(HOST, self.imap_port, timeout=10)
        try:
            plain = f"\0{user.username}\0{user.password}".encode()  # SASL PLAIN: UTF-8 passwords too
            conn.authenticate("PLAIN", lambda _challenge: plain)
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.logout()

    def append(self, user: MailUser, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        with self.connect(user) as conn:
            if folder != "INBOX":
                conn.create(_quote(folder))  # NO if it exists; fine
            result: Any = conn.append(_quote(folder), f"({flags})" if flags else None, None, raw)  # type: ignore[arg-type]
            typ, data = result  # typeshed says append() returns str; it returns (type, data) like every command
            assert typ == "OK", data

    def folders(self, user: MailUser) -> list[str]:
        with self.connect(user) as conn:
            typ, data = conn.list()
            assert typ == "OK", data
        names = []
        for line in data:
            assert isinstance(line, bytes)
            m = re.match(rb'\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.+)$', line)
            assert m, line
            names.append(m.group("name").decode().strip('"'))
        return sorted(names)

    def messages(self, user: MailUser, folder: str = "INBOX") -> list[tuple[set[str], bytes]]:
        """(flags, raw) of every message in the folder, in UID order."""
        result: list[tuple[set[str], bytes]] = []
        with self.connect(user) as conn:
            typ, data = conn.select(_quote(folder), readonly=True)
            assert typ == "OK", data
            if int(data[0] or 0) == 0:
                return result
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
            assert typ == "OK", data
        for item in data:
            if isinstance(item, tuple):
                m = re.search(rb"FLAGS \(([^)]*)\)", item[0])
                flags = set(m.group(1).decode().split()) if m else set()
                result.append((flags, item[1]))
        return result


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="upstream-dovecot-"))
    root.chmod(0o711)  # the unprivileged login processes must reach the sockets under run/
    oauth = OAuthProvider()
    oauth.start()
    server = Dovecot(root, oauth)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        oauth.stop()
        if not os.environ.get("UPSTREAM_KEEP_DOVECOT"):
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not os.path.exists(DOVECOT):
        pytest.skip(f"{DOVECOT} is not installed (apt-get install dovecot-imapd); the IMAP tests need a real server")
    with running_dovecot() as server:
        yield server


@pytest.fixture
def oauth_provider() -> Iterator[OAuthProvider]:
    """A token endpoint alone (no Dovecot needed) for the token-exchange tests."""
    provider = OAuthProvider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


def tls_context(ca_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)
