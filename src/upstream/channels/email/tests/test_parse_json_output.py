"""to_json_dict: the serialisable summary the API and the debugging command print."""

import json
from pathlib import Path

from upstream.channels.email.parsing import parse_file, to_json_dict

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def test_json_dict_shape_and_values():
    parsed = parse_file(FIXTURES / "multipart_cid.eml")
    result = to_json_dict(parsed)
    assert list(result) == [
        "from", "to", "cc", "reply_to", "subject", "message_id", "in_reply_to", "references", "date",
        "body_text", "body_html", "attachments", "errors",
    ]  # fmt: skip
    assert result["from"] == {"address": "alice@example.com", "name": "Alice Example"}
    assert result["date"] == "2026-11-03T10:00:00+08:00"
    assert result["attachments"][0] == {
        "filename": "attachment.png",
        "content_type": "image/png",
        "size": 70,
        "md5": parsed.attachments[0].md5,
        "content_id": "logo@upstream.test",
        "inline": True,
    }
    json.dumps(result)  # serialisable as it is


def test_json_dict_for_every_fixture_is_serialisable():
    for path in FIXTURES.glob("*.eml"):
        result = to_json_dict(parse_file(path))
        assert json.loads(json.dumps(result))["subject"] == result["subject"]
        assert result["from"] is None or set(result["from"]) == {"address", "name"}
