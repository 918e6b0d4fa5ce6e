"""Suite-wide fixtures. PostgreSQL by default (DATABASE_URL from `make test`); the smoke subset also runs on SQLite."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_ROOT = tmp_path / "exports"
    # PBKDF2 costs ~1 s per user on these machines; tests prove access rules, not hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    yield
    # A request in zh-hans leaves its language active in the thread; the next test must start from the default.
    translation.deactivate()
    # The article vectors a search process keeps for a minute (kb/search/dense.py) belong to this test's database.
    from upstream.kb.search import dense

    dense.clear()


# One Chromium per test process, shared by every browser test: Playwright's sync API cannot start a second
# instance in a thread where one is already running.
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


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()
