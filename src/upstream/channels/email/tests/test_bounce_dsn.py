"""RFC 3464 delivery-status reports: recipients, status, hard/soft, and the Message-ID of the mail that bounced."""

from upstream.channels.email.bounces import BounceReport, FailedRecipient, describe, parse_bounce
from upstream.channels.email.tests.test_bounce_support import fixture, parse_bytes


def _dsn(recipients: str, original: str = "Message-ID: <orig-1@upstream.test>\n", human: str = "") -> bytes:
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: support@upstream.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

{human or "Your message could not be delivered."}

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

{recipients}
--b1
Content-Type: message/rfc822

From: Upstream Support <support@upstream.test>
To: someone@example.net
Subject: Re: [Ticket #1] Help
{original}
Body.

--b1--
""".encode()


def test_fixture_dsn_matches_our_message_and_is_hard():
    report = parse_bounce(fixture("dsn_for_our_message.eml"))
    assert report == BounceReport(
        kind="bounce",
        recipients=(
            FailedRecipient(
                address="gone@customer.example.com",
                status="5.1.1",
                reason="userunknown",
                hard=True,
                diagnostic="550 5.1.1 <gone@customer.example.com>: Recipient address rejected: User unknown in "
                "virtual mailbox table",
            ),
        ),
        original_message_id="x@upstream.test",
    )
    assert describe(report.recipients[0]) == "5.1.1 user unknown"


def test_message_id_from_attached_message():
    report = parse_bounce(parse_bytes(_dsn("Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.1.1\n")))
    assert report is not None
    assert report.original_message_id == "orig-1@upstream.test"


def test_several_recipients_hard_and_soft():
    recipients = (
        "Final-Recipient: rfc822; Full@Example.net\nAction: failed\nStatus: 5.2.2\n"
        "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\n"
        "Final-Recipient: rfc822; nobody@example.net\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 No such user\n\n"
        "Final-Recipient: rfc822; nodomain@nx.example.net\nAction: failed\nStatus: 5.1.2\n"
        "Diagnostic-Code: X-Postfix; Host or domain name not found\n"
    )
    report = parse_bounce(parse_bytes(_dsn(recipients)))
    assert report is not None
    got = [(r.address, r.status, r.reason, r.hard) for r in report.recipients]
    assert got == [
        ("full@example.net", "5.2.2", "mailboxfull", False),
        ("nobody@example.net", "5.1.1", "userunknown", True),
        ("nodomain@nx.example.net", "5.1.2", "hostunknown", True),
    ]


def test_recipient_blocks_without_blank_line_between_them():
    recipients = (
        "Final-Recipient: rfc822; one@example.net\nAction: failed\nStatus: 5.2.2\n"
        "Final-Recipient: rfc822; two@example.net\nAction: failed\nStatus: 5.1.1\n"
    )
    report = parse_bounce(parse_bytes(_dsn(recipients)))
    assert report is not None
    assert [(r.address, r.hard) for r in report.recipients] == [("one@example.net", False), ("two@example.net", True)]


def test_delay_report_is_never_hard():
    recipients = (
        "Final-Recipient: rfc822; slow@example.net\nAction: delayed\nStatus: 4.4.1\n"
        "Diagnostic-Code: smtp; 450 4.1.1 user unknown, try later\n"
    )
    report = parse_bounce(parse_bytes(_dsn(recipients)))
    assert report is not None
    assert report.kind == "delay"
    assert not report.recipients[0].hard


def test_generic_status_with_user_unknown_text_is_hard():
    recipients = (
        "Final-Recipient: rfc822; gone@example.net\nAction: failed\nStatus: 5.0.0\n"
        "Diagnostic-Code: smtp; 550 <gone@example.net>: User unknown (in reply to RCPT TO command)\n"
    )
    report = parse_bounce(parse_bytes(_dsn(recipients)))
    assert report is not None
    assert (report.recipients[0].reason, report.recipients[0].hard) == ("userunknown", True)


def test_five_x_codes_that_are_not_hard():
    cases = {
        "550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org": "blocked",
        "554 5.7.1 Message rejected as spam": "spamdetected",
        "550 5.7.26 Unauthenticated email is not accepted, DMARC policy": "authfailure",
        "552 5.3.4 Message size exceeds fixed maximum message size": "mesgtoobig",
    }
    for diagnostic, reason in cases.items():
        block = (
            "Final-Recipient: rfc822; x@example.net\nAction: failed\nStatus: 5.0.0\n"
            f"Diagnostic-Code: smtp; {diagnostic}\n"
        )
        report = parse_bounce(parse_bytes(_dsn(block)))
        assert report is not None
        assert (report.recipients[0].reason, report.recipients[0].hard) == (reason, False), diagnostic


def test_text_rfc822_headers_part():
    raw = _dsn("Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.1.1\n").replace(
        b"Content-Type: message/rfc822", b"Content-Type: text/rfc822-headers"
    )
    report = parse_bounce(parse_bytes(raw))
    assert report is not None
    assert report.original_message_id == "orig-1@upstream.test"
