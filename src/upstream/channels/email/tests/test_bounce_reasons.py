"""Reason and hard/soft derivation: diagnostic text first, then RFC 3463 enhanced status, then SMTP reply code;
and the one-line description used in "delivery failed: ..." notes."""

import pytest

from upstream.channels.email.bounces import FailedRecipient, classify_reason, describe, is_hard


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason", "hard"),
    [
        ("5.1.1", "550 5.1.1 The email account that you tried to reach does not exist", "userunknown", True),
        ("5.0.0", "550 <a@example.com>... User unknown", "userunknown", True),
        ("5.1.2", "Host or domain name not found. Name service error for name=nx.example type=A", "hostunknown", True),
        ("5.1.6", "551 User has moved; please try <b@example.org>", "hasmoved", True),
        ("5.1.10", "556 5.1.10 Recipient domain has null MX", "notaccept", True),
        ("5.1.1", "552 5.1.1 Mailbox full", "mailboxfull", False),
        ("5.2.2", "552 5.2.2 Quota exceeded", "mailboxfull", False),
        ("5.7.1", "550 5.7.1 Client host [192.0.2.1] blocked using bl.spamcop.net", "blocked", False),
        ("5.7.1", "554 5.7.1 Relay access denied", "norelaying", False),
        ("5.4.7", "Delivery time expired", "expired", False),
        ("4.4.1", "Connection timed out while connecting", "networkerror", False),
        ("5.4.4", "Host not found, try again", "networkerror", False),
        ("5.7.1", "550 5.7.1 SPF check failed", "authfailure", False),
        ("5.0.0", "550 Reverse DNS lookup failed for 192.0.2.1", "requireptr", False),
        ("5.5.0", "", "syntaxerror", False),
        ("5.2.1", "550 5.2.1 mailbox disabled", "suspend", False),
        ("", "550 Requested action not taken: mailbox unavailable", "userunknown", True),
    ],
)
def test_reason(status, diagnostic, reason, hard):
    got = classify_reason(status, diagnostic)
    assert got == reason
    assert is_hard(got, status or "5.0.0") is hard


def test_temporary_and_delayed_are_never_hard():
    assert not is_hard("hostunknown", "4.4.0", "failed")
    assert not is_hard("userunknown", "5.1.1", "delayed")
    assert not is_hard("notaccept", "4.4.4")


def test_describe():
    rcpt = FailedRecipient("a@example.com", "5.1.1", "userunknown", True, "550 5.1.1 no such user")
    assert describe(rcpt) == "5.1.1 user unknown"
    assert describe(FailedRecipient("a@example.com", "", "mailboxfull", False, "")) == "mailbox full"
    assert describe(FailedRecipient("a@example.com", "5.9.9", "newreason", False, "")) == "5.9.9 newreason"
