"""Signed survey links: a token names one survey of one kind, expires, and cannot be forged."""

from __future__ import annotations

import time

import pytest
from django.core import signing

from upstream.surveys import tokens

pytestmark = pytest.mark.smoke


def test_a_token_reads_back_its_survey():
    assert tokens.read_token("csat", tokens.make_token("csat", 42), max_age_days=30) == tokens.Verdict(42)


def test_a_tampered_token_is_forged():
    token = tokens.make_token("csat", 42)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert tokens.read_token("csat", tampered, max_age_days=30).problem == "forged"
    assert tokens.read_token("csat", "not-a-token", max_age_days=30).problem == "forged"


def test_a_token_signed_for_another_kind_or_key_is_forged(settings):
    assert tokens.read_token("nps", tokens.make_token("csat", 42), max_age_days=30).problem == "forged"
    other_key = signing.dumps({"i": 42}, key="another-secret", salt=tokens.SALTS["csat"], compress=True)
    assert tokens.read_token("csat", other_key, max_age_days=30).problem == "forged"


def test_a_token_without_a_whole_number_id_is_forged():
    for payload in ({"i": "42"}, {"i": True}, {"x": 1}, [42]):
        token = signing.dumps(payload, salt=tokens.SALTS["csat"], compress=True)
        assert tokens.read_token("csat", token, max_age_days=30) == tokens.Verdict(None, "forged")


def test_an_old_token_is_expired(monkeypatch):
    token = tokens.make_token("visit", 7)
    later = time.time() + 31 * tokens.DAY
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert tokens.read_token("visit", token, max_age_days=30) == tokens.Verdict(None, "expired")
    assert tokens.read_token("visit", token, max_age_days=60) == tokens.Verdict(7)
