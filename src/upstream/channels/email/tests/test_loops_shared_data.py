"""Acceptance on ../shared/data/bounces: every message in maildir/bsd is machine-generated, maildir/not is human."""

import pytest

from upstream.channels.email.loops import classify
from upstream.channels.email.tests.test_bounce_support import maildir, parse_file, require_bounce_data


def test_every_bsd_message_is_machine_generated():
    require_bounce_data()
    files = maildir("bsd")
    assert len(files) > 400
    missed = [path.name for path in files if not classify(parse_file(path)).machine]
    assert missed == []


def test_not_messages_are_human():
    require_bounce_data()
    files = maildir("not")
    assert files
    flagged = {path.name: classify(parse_file(path)).reasons for path in files}
    assert {name: reasons for name, reasons in flagged.items() if reasons} == {}


@pytest.mark.parametrize("name", ["not"])
def test_not_messages_are_not_bounces(name):
    require_bounce_data()
    from upstream.channels.email.bounces import parse_bounce

    assert [p.name for p in maildir(name) if parse_bounce(parse_file(p)) is not None] == []
