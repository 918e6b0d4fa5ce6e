"""Helpers for the loop/bounce tests (no tests here): the ../shared/data/bounces set and fixtures/loops."""

from __future__ import annotations

import email.policy
import json
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, cast

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[5]
BOUNCES_DIR = (PROJECT_ROOT / "../shared/data/bounces").resolve()
FIXTURES_DIR = Path(__file__).parent / "fixtures" / "loops"


def parse_bytes(raw: bytes) -> EmailMessage:
    return cast(EmailMessage, BytesParser(policy=email.policy.default).parsebytes(raw))


def parse_file(path: Path) -> EmailMessage:
    return parse_bytes(path.read_bytes())


def fixture(name: str) -> EmailMessage:
    return parse_file(FIXTURES_DIR / name)


def require_bounce_data() -> None:
    if not (BOUNCES_DIR / "maildir").is_dir():
        pytest.skip(f"evaluation data absent: {BOUNCES_DIR}")


def maildir(name: str) -> list[Path]:
    directory = BOUNCES_DIR / "maildir" / name
    return sorted(directory.glob("*.eml")) if directory.is_dir() else []


def expected() -> dict[str, list[dict[str, Any]]]:
    return cast(dict[str, list[dict[str, Any]]], json.loads((BOUNCES_DIR / "expected.json").read_text("utf-8")))
