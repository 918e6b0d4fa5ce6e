"""imap.fetch against a real Dovecot on loopback (see dovecot.py): actions, failures, limits, TLS, large messages."""

from __future__ import annotations

import hashlib

import pytest

from upstream.channels.email import imap
from upstream.channels.email.imap import FetchReport, ImapError, ImapSettings, Outcome
from upstream.channels.email.tests.dovecot import free_port


def message(n: int, body: str = "") -> bytes:
    return (
        f"From: Customer {n} <customer{n}@example.org>\r\n"
        f"To: support@example.test\r\n"
        f"Subject: Request {n}\r\n"
        f"Message-ID: <msg-{n}@example.org>\r\n"
        f"\r\n"
        f"{body or f'Body of message {n}.'}\r\n"
    ).encode()


def settings(dovecot, user, **overrides) -> ImapSettings:
    values = {
        "host": dovecot.host,
        "port": dovecot.imap_port,
        "security": "starttls",
        "username": user.username,
        "password": user.password,
        "ca_file": dovecot.ca_file,
        "timeout": 10.0,
    }
    values.update(overrides)
    return ImapSettings(**values)


def subject(raw: bytes) -> str:
    for line in raw.split(b"\r\n"):
        if line.startswith(b"Subject: "):
            return line[9:].decode()
    return ""


class Handler:
    """Records what it was given; raises for "Request 2", says KEEP for "Request 3", PROCESSED otherwise."""

    def __init__(self, raise_on=("Request 2",), keep=("Request 3",)):
        self.raise_on, self.keep, self.got = set(raise_on), set(keep), []

    def __call__(self, raw: bytes) -> Outcome:
        s = subject(raw)
        self.got.append(s)
        if s in self.raise_on:
            raise ValueError(f"cannot handle {s}")
        return Outcome.KEEP if s in self.keep else Outcome.PROCESSED


def subjects(messages) -> list[str]:
    return [subject(raw) for _flags, raw in messages]


@pytest.fixture
def mailbox(dovecot):
    """A fresh user with four messages in INBOX: 1 and 4 go through, 2 makes the handler raise, 3 is KEEP'd."""
    user = dovecot.add_user()
    for n in range(1, 5):
        dovecot.append(user, message(n))
    return user


def without(*names):
    """Make fetch believe the server lacks some capabilities, to exercise the fallback paths on the same server."""
    real = imap._capabilities

    def caps(conn):
        return real(conn) - set(names)

    return caps


def test_flag_mode_sets_seen_only_on_processed_and_carries_on_after_errors(dovecot, mailbox):
    handler = Handler()
    report = imap.fetch(settings(dovecot, mailbox, action="flag"), handler)

    assert handler.got == ["Request 1", "Request 2", "Request 3", "Request 4"]
    assert (report.seen, report.processed, report.kept) == (4, 2, 1)
    assert len(report.errors) == 1 and "ValueError: cannot handle Request 2" in report.errors[0]
    assert len(report.failed_uids) == 1
    inbox = dovecot.messages(mailbox)
    assert subjects(inbox) == ["Request 1", "Request 2", "Request 3", "Request 4"]  # nothing removed
    seen = {subject(raw) for flags, raw in inbox if "\\Seen" in flags}
    assert seen == {"Request 1", "Request 4"}

    # The next run sees only what is still UNSEEN: the failed and the kept message.
    again = Handler(raise_on=(), keep=())
    report = imap.fetch(settings(dovecot, mailbox, action="flag"), again)
    assert again.got == ["Request 2", "Request 3"]
    assert (report.seen, report.processed, report.errors) == (2, 2, [])
    assert all("\\Seen" in flags for flags, _ in dovecot.messages(mailbox))


@pytest.mark.parametrize("server", ["MOVE", "COPY fallback"])
def test_move_mode_moves_processed_into_a_created_folder(dovecot, mailbox, monkeypatch, server):
    if server == "COPY fallback":
        monkeypatch.setattr(imap, "_capabilities", without("MOVE", "UIDPLUS"))
    assert "Done" not in dovecot.folders(mailbox)

    report = imap.fetch(settings(dovecot, mailbox, action="move", move_to="Done"), Handler())

    assert (report.seen, report.processed, report.kept, len(report.errors)) == (4, 2, 1, 1)
    assert "Done" in dovecot.folders(mailbox)
    moved = dovecot.messages(mailbox, "Done")
    assert subjects(moved) == ["Request 1", "Request 4"]
    assert all("\\Seen" in flags and "\\Deleted" not in flags for flags, _ in moved)
    inbox = dovecot.messages(mailbox)
    assert subjects(inbox) == ["Request 2", "Request 3"]
    assert all("\\Seen" not in flags for flags, _ in inbox)

    # The folder exists now; a second run reuses it and moves the rest.
    report = imap.fetch(settings(dovecot, mailbox, action="move", move_to="Done"), Handler(raise_on=(), keep=()))
    assert report.processed == 2
    assert dovecot.messages(mailbox) == []
    assert subjects(dovecot.messages(mailbox, "Done")) == ["Request 1", "Request 4", "Request 2", "Request 3"]


@pytest.mark.parametrize("server", ["UIDPLUS", "plain EXPUNGE"])
def test_delete_mode_removes_only_processed_messages(dovecot, mailbox, monkeypatch, server):
    if server == "plain EXPUNGE":
        monkeypatch.setattr(imap, "_capabilities", without("UIDPLUS"))
    report = imap.fetch(settings(dovecot, mailbox, action="delete"), Handler())

    assert (report.seen, report.processed, report.kept, len(report.errors)) == (4, 2, 1, 1)
    inbox = dovecot.messages(mailbox)
    assert subjects(inbox) == ["Request 2", "Request 3"]
    assert all("\\Deleted" not in flags for flags, _ in inbox)


def test_delete_with_uidplus_leaves_other_deleted_messages_alone(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, message(1), flags="\\Deleted")  # someone deleted it in their mail client, not expunged yet
    dovecot.append(user, message(2))
    handler = Handler(raise_on=(), keep=())
    report = imap.fetch(settings(dovecot, user, action="delete"), handler)
    assert handler.got == ["Request 2"]  # \Deleted messages are not candidates
    assert report.processed == 1
    assert subjects(dovecot.messages(user)) == ["Request 1"]


def test_move_to_a_non_ascii_folder_uses_modified_utf7(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, message(1))
    report = imap.fetch(settings(dovecot, user, action="move", move_to="Erledigt – Ä"), Handler())
    assert report.processed == 1
    assert "Erledigt &IBM- &AMQ-" in dovecot.folders(user)  # RFC 3501 §5.1.3, as Dovecot stores it
    assert subjects(dovecot.messages(user, "Erledigt &IBM- &AMQ-")) == ["Request 1"]


def test_limit_is_respected_oldest_first(dovecot):
    user = dovecot.add_user()
    for n in range(1, 6):
        dovecot.append(user, message(n))
    handler = Handler(raise_on=(), keep=())
    assert imap.fetch(settings(dovecot, user), handler, limit=2).seen == 2
    assert handler.got == ["Request 1", "Request 2"]
    assert imap.fetch(settings(dovecot, user), handler, limit=2).seen == 2
    assert imap.fetch(settings(dovecot, user), handler, limit=2).seen == 1
    assert imap.fetch(settings(dovecot, user), handler, limit=2).seen == 0
    assert handler.got == [f"Request {n}" for n in range(1, 6)]
    with pytest.raises(ValueError):
        imap.fetch(settings(dovecot, user), handler, limit=0)


def test_search_windows_cover_the_whole_folder(dovecot, monkeypatch):
    monkeypatch.setattr(imap, "SEARCH_WINDOW", 2)  # 5 messages → 3 UID SEARCH windows
    user = dovecot.add_user()
    for n in range(1, 6):
        dovecot.append(user, message(n), flags="\\Seen" if n in (1, 2, 4) else "")
    handler = Handler(raise_on=(), keep=())
    report = imap.fetch(settings(dovecot, user), handler)
    assert handler.got == ["Request 3", "Request 5"]
    assert report.processed == 2


def test_a_five_megabyte_message_arrives_intact(dovecot):
    user = dovecot.add_user()
    line = "".join(chr(33 + (i % 90)) for i in range(76))
    body = "\r\n".join(f"{i:08d} {line}" for i in range(5 * 1024 * 1024 // 86))
    raw = message(1, body=body)
    assert len(raw) > 5 * 1024 * 1024 - 100
    dovecot.append(user, raw)
    got = []

    def handle(data: bytes) -> Outcome:
        got.append(hashlib.md5(data).hexdigest())
        return Outcome.PROCESSED

    report = imap.fetch(settings(dovecot, user), handle)
    assert report.processed == 1
    assert got == [hashlib.md5(raw).hexdigest()]


def test_empty_folder(dovecot):
    user = dovecot.add_user()
    handler = Handler()
    assert imap.fetch(settings(dovecot, user), handler) == FetchReport()
    assert handler.got == []


def test_other_folder_than_inbox(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, message(1), folder="Support Queue")
    dovecot.append(user, message(2))
    handler = Handler(raise_on=(), keep=())
    imap.fetch(settings(dovecot, user, folder="Support Queue"), handler)
    assert handler.got == ["Request 1"]


def test_handler_returning_something_else_is_an_error_not_a_crash(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, message(1))
    dovecot.append(user, message(2))
    report = imap.fetch(settings(dovecot, user), lambda raw: None)
    assert report.seen == 2 and report.processed == 0
    assert len(report.errors) == 2 and "not an Outcome" in report.errors[0]
    assert all("\\Seen" not in flags for flags, _ in dovecot.messages(user))


# --- connection, TLS and login ---------------------------------------------------------------------------------


def test_imaps(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, message(1))
    handler = Handler()
    imap.fetch(settings(dovecot, user, security="ssl", port=dovecot.imaps_port), handler)
    assert handler.got == ["Request 1"]


def test_starttls_with_verification_off(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, message(1))
    handler = Handler()
    imap.fetch(settings(dovecot, user, security="starttls", ca_file="", verify_tls=False), handler)
    assert handler.got == ["Request 1"]


def test_plain_text_connection(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, message(1))
    handler = Handler()
    imap.fetch(settings(dovecot, user, security="none"), handler)
    assert handler.got == ["Request 1"]


@pytest.mark.parametrize(("security", "port"), [("ssl", "imaps_port"), ("starttls", "imap_port")])
def test_untrusted_certificate_is_refused(dovecot, security, port):
    user = dovecot.add_user()
    with pytest.raises(ImapError, match=r"failed: .*CERTIFICATE_VERIFY_FAILED"):
        imap.fetch(settings(dovecot, user, security=security, port=getattr(dovecot, port), ca_file=""), Handler())


def test_starttls_against_the_imaps_port_is_a_clear_error(dovecot):
    user = dovecot.add_user()
    with pytest.raises(ImapError, match=rf"{dovecot.imaps_port}"):
        imap.fetch(settings(dovecot, user, port=dovecot.imaps_port, timeout=1.0), Handler())


def test_wrong_password(dovecot):
    user = dovecot.add_user()
    wrong = settings(dovecot, user, password="not-the-password")
    with pytest.raises(ImapError, match=rf"^login failed for {user.username}@{dovecot.host}: .*AUTHENTICATIONFAILED"):
        imap.fetch(wrong, Handler())
    assert "not-the-password" not in repr(wrong)


def test_non_ascii_password(dovecot):
    user = dovecot.add_user(password="pässwörd-✓")  # imaplib's LOGIN is ASCII-only; fetch switches to SASL PLAIN
    dovecot.append(user, message(1))
    handler = Handler()
    imap.fetch(settings(dovecot, user), handler)
    assert handler.got == ["Request 1"]


def test_missing_folder(dovecot):
    user = dovecot.add_user()
    with pytest.raises(ImapError, match=r"cannot open folder 'Nope' on .* \(does it exist\?\)"):
        imap.fetch(settings(dovecot, user, folder="Nope"), Handler())


def test_connection_refused():
    s = ImapSettings(host="127.0.0.1", port=free_port(), security="ssl", username="u", password="p", timeout=2)
    with pytest.raises(ImapError, match=r"^cannot connect to 127\.0\.0\.1:\d+: "):
        imap.fetch(s, Handler())


def test_settings_are_validated():
    with pytest.raises(ValueError, match="security"):
        ImapSettings(host="h", port=1, security="tls", username="u")
    with pytest.raises(ValueError, match="action"):
        ImapSettings(host="h", port=1, security="ssl", username="u", action="archive")


def test_quote_folder():
    assert imap.quote_folder("INBOX") == '"INBOX"'
    assert imap.quote_folder('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert imap.quote_folder("R&D") == '"R&-D"'
    assert imap.quote_folder("日本語") == '"&ZeVnLIqe-"'  # RFC 3501's own example


def test_flag_mode_skips_messages_someone_deleted(dovecot):
    user = dovecot.add_user()
    dovecot.append(user, message(1), flags="\\Deleted")
    dovecot.append(user, message(2))
    handler = Handler(raise_on=(), keep=())
    imap.fetch(settings(dovecot, user), handler)
    assert handler.got == ["Request 2"]


@pytest.mark.parametrize("folder", ["INBOX", "inbox"])
def test_moving_into_the_fetched_folder_is_refused_before_connecting(folder):
    s = ImapSettings(host="127.0.0.1", port=free_port(), security="ssl", username="u", action="move", move_to=folder)
    with pytest.raises(ImapError, match="into itself"):
        imap.fetch(s, Handler())


def test_connection_lost_midway_ends_the_run_with_a_report_not_a_crash(dovecot):
    user = dovecot.add_user()
    for n in range(1, 4):
        dovecot.append(user, message(n))

    def handle(raw: bytes) -> Outcome:
        if subject(raw) == "Request 2":
            dovecot.kick(user)  # the server drops the session after the caller committed message 2
        return Outcome.PROCESSED

    report = imap.fetch(settings(dovecot, user), handle)
    assert report.seen == 2
    assert len(report.errors) == 1 and "connection to" in report.errors[0] and "lost at UID" in report.errors[0]
    flags = [flags for flags, _ in dovecot.messages(user)]
    assert "\\Seen" in flags[0]
    assert "\\Seen" not in flags[1]  # committed but not flagged: comes again next run, the caller dedupes
    assert "\\Seen" not in flags[2]
    again = Handler(raise_on=(), keep=())
    imap.fetch(settings(dovecot, user), again)
    assert again.got == ["Request 2", "Request 3"]
