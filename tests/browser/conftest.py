"""Headless Chromium through Playwright, against Django's live server.

Debian's /usr/bin/chromium is used (Playwright's own browser download does not work on these machines). Screenshots
go to test-artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# Real mail servers for the email round trip: a private Dovecot (IMAP) and an aiosmtpd sink (SMTP).
from upstream.channels.email.tests.dovecot import dovecot  # noqa: E402,F401
from upstream.notifications.tests.smtp_sink import smtp_certificate, smtp_sink, smtp_sink_factory  # noqa: E402,F401
