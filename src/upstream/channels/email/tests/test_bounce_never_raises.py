"""Property: classify() and parse_bounce() never raise, whatever the header values and body bytes."""

from hypothesis import given, settings
from hypothesis import strategies as st

from upstream.channels.email.bounces import BounceReport, parse_bounce
from upstream.channels.email.loops import Verdict, classify
from upstream.channels.email.tests.test_bounce_support import parse_bytes

HEADER_NAMES = [
    "From",
    "Sender",
    "Return-Path",
    "Reply-To",
    "To",
    "Subject",
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "X-Autoreply",
    "X-Auto-Response-Suppress",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
]
header_values = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "multipart/report; report-type=delivery-status; boundary=x",
            "multipart/report; report-type=feedback-report; boundary=",
            'multipart/mixed; boundary="',
            "message/delivery-status",
            "<>",
            "=?utf-8?b?invalid?=",
            "=?x-unknown?q?abc?=",
            "MAILER-DAEMON",
            '"unterminated <a@b',
            "base64",
        ]
    ),
)
bodies = st.one_of(
    st.binary(max_size=2000),
    st.sampled_from(
        [
            b"--x\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822;\r\nStatus: 5.\r\n--x--",
            b"--x\r\nContent-Type: message/rfc822\r\n\r\n--x--",
            b"<a@b>:\r\n550 5.1.1\r\n--- Below this line is a copy of the message.\r\nMessage-ID: <\r\n",
        ]
    ),
)


def _raw(headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = b"".join(f"{k}: {v}\r\n".encode("utf-8", "surrogatepass") for k, v in headers)
    return head + b"\r\n" + body


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_values), max_size=12), bodies)
def test_classify_and_parse_bounce_never_raise(headers, body):
    message = parse_bytes(_raw(headers, body))
    verdict = classify(message, own_addresses=["support@upstream.test"])
    assert isinstance(verdict, Verdict)
    report = parse_bounce(message)
    assert report is None or isinstance(report, BounceReport)
    if report is not None:
        for rcpt in report.recipients:
            assert rcpt.address == rcpt.address.lower()
            assert len(rcpt.diagnostic) <= 500
