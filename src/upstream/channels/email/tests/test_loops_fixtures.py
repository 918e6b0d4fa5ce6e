"""Hand-written fixtures in fixtures/loops: auto-replies, bulk and list mail, empty Return-Path, own address, and
human mail that only mentions those things."""

import pytest

from upstream.channels.email.loops import classify
from upstream.channels.email.tests.test_bounce_support import fixture

OWN = ("support@upstream.test",)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("autoreply_zh_auto_submitted.eml", "auto-submitted: auto-replied"),
        ("autoreply_zh_auto_submitted.eml", "vacation subject"),
        ("autoreply_en_out_of_office.eml", "auto-submitted: auto-generated"),
        ("autoreply_en_out_of_office.eml", "x-auto-response-suppress"),
        ("autoreply_subject_only.eml", "vacation subject"),
        ("newsletter_precedence_bulk.eml", "precedence: bulk"),
        ("mailing_list_post.eml", "list-id"),
        ("empty_return_path.eml", "empty return-path"),
        ("dsn_for_our_message.eml", "delivery-status report"),
        ("qmail_bounce_quoted_original.eml", "bounce body"),
        ("own_address_notification.eml", "own address"),
    ],
)
def test_fixture_is_machine(name, reason):
    verdict = classify(fixture(name), own_addresses=OWN)
    assert verdict.machine
    assert reason in verdict.reasons


@pytest.mark.parametrize("name", ["human_mentions_out_of_office.eml", "human_forward_of_bounce.eml"])
def test_fixture_is_human(name):
    verdict = classify(fixture(name), own_addresses=OWN)
    assert not verdict.machine, verdict.reasons
