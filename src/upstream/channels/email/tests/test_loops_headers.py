"""Header-based loop signals (RFC 3834 Auto-Submitted, vendor auto-reply headers, Precedence, lists, empty
Return-Path, our own addresses) and what must stay human."""

import pytest

from upstream.channels.email.loops import Verdict, classify
from upstream.channels.email.tests.test_bounce_support import parse_bytes


def _mail(headers: dict[str, str], body: str = "Hello, I have a question about my invoice.\n") -> bytes:
    base = {
        "From": "Customer <customer@example.com>",
        "To": "support@upstream.test",
        "Subject": "Question about my invoice",
        "Message-ID": "<q-1@example.com>",
        "Date": "Tue, 24 Nov 2026 10:00:00 +0000",
    }
    base.update(headers)
    head = "".join(f"{k}: {v}\r\n" for k, v in base.items())
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode("utf-8")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto-submitted: auto-replied"),
        ({"Auto-Submitted": "auto-generated"}, "auto-submitted: auto-generated"),
        ({"Auto-Submitted": "Auto-Notified; owner-email=x@example.com"}, "auto-submitted: auto-notified"),
        ({"X-Autoreply": "yes"}, "x-autoreply"),
        ({"X-Autorespond": "Vacation"}, "x-autorespond"),
        ({"X-Auto-Response-Suppress": "All"}, "x-auto-response-suppress"),
        ({"Precedence": "bulk"}, "precedence: bulk"),
        ({"Precedence": "junk"}, "precedence: junk"),
        ({"Precedence": "list"}, "precedence: list"),
        ({"List-Id": "<users.lists.example.org>"}, "list-id"),
        ({"List-Unsubscribe": "<mailto:leave@lists.example.org>"}, "list-id"),
        ({"Return-Path": "<>"}, "empty return-path"),
        ({"From": "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>"}, "bounce sender"),
        ({"From": "postmaster@example.com"}, "bounce sender"),
        ({"Subject": "Undelivered Mail Returned to Sender"}, "bounce subject"),
        ({"Subject": "Delivery Status Notification (Failure)"}, "bounce subject"),
        ({"Subject": "Out of Office: Re: invoice"}, "vacation subject"),
        ({"Subject": "Automatic reply: invoice"}, "vacation subject"),
        ({"Subject": "Auto: invoice"}, "vacation subject"),
        ({"Subject": "=?UTF-8?B?6Ieq5Yqo5Zue5aSNOiDlj5Hnpag=?="}, "vacation subject"),
    ],
)
def test_machine_signal(headers, reason):
    verdict = classify(parse_bytes(_mail(headers)))
    assert verdict.machine
    assert reason in verdict.reasons


def test_own_address_is_machine_case_insensitively():
    verdict = classify(
        parse_bytes(_mail({"From": "Support <Support@Upstream.Test>"})), own_addresses=["support@upstream.test"]
    )
    assert verdict == Verdict(True, ("own address",))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Auto-Submitted": "no"},
        {"Auto-Submitted": "No ; comment"},
        {"Precedence": "first-class"},
        {"Return-Path": "<customer@example.com>"},
        {"Subject": "Re: Delivery status of my order 1234"},
        {"Subject": "Fwd: Undelivered Mail Returned to Sender"},
        {"Subject": "Out of office hours support?"},
        {"Subject": "Absence management feature request"},
    ],
)
def test_human_mail_stays_human(headers):
    verdict = classify(parse_bytes(_mail(headers)), own_addresses=["support@upstream.test"])
    assert verdict == Verdict(False, ())


def test_body_that_quotes_a_bounce_stays_human():
    body = (
        "Hi, my mail bounced, see below.\n\n---------- Forwarded message ---------\n"
        "This is the qmail-send program at mail.example.com.\n"
    )
    assert not classify(parse_bytes(_mail({}, body))).machine


def test_bounce_body_signature_is_machine():
    body = "Hi. This is the qmail-send program at mail.example.com.\nI'm afraid I wasn't able to deliver it.\n"
    verdict = classify(parse_bytes(_mail({"Subject": "hello"}, body)))
    assert "bounce body" in verdict.reasons
