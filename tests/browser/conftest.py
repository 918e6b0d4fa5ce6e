"""Headless Chromium through Playwright, against Django's live server.

Debian's /usr/bin/chromium is used (Playwright's own browser download does not work on these machines). Screenshots
go to test-artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# Real mail servers for the email round trip: a private Dovecot (IMAP) and an aiosmtpd sink (SMTP).
from upstream.channels.email.tests.dovecot import dovecot  # noqa: E402,F401
from upstream.notifications.tests.smtp_sink import smtp_certificate, smtp_sink, smtp_sink_factory  # noqa: E402,F401
