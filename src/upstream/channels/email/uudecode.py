"""Finding and decoding uuencoded blocks ("begin 644 name" ... "end") that old clients put inside text bodies."""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

_BLOCK = re.compile(
    r"^begin[ \t]+(?P<mode>[0-7]{3,4})[ \t]+(?P<name>[^\r\n]+?)[ \t]*\r?\n(?P<body>.*?)^end[ \t]*(?:\r?\n|\Z)",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class UuFile:
    name: str
    data: bytes
    damaged: bool  # some lines could not be decoded and were skipped


def _decode_line(line: str) -> tuple[bytes, bool]:
    if not line or line == "`":
        return b"", False
    try:
        return binascii.a2b_uu(line), False
    except ValueError:  # binascii.Error, or non-ASCII characters in the line
        # Some encoders pad lines with garbage; decode only the characters the length byte promises.
        count = (ord(line[0]) - 32) & 63
        try:
            return binascii.a2b_uu(line[: ((count * 4 + 5) // 3) + 1]), False
        except ValueError:  # binascii.Error, or non-ASCII characters in the line
            return b"", True


def extract_uuencoded(text: str) -> tuple[str, list[UuFile]]:
    """Remove every uuencoded block from text and return the remaining text and the decoded files."""
    files: list[UuFile] = []

    def take(match: re.Match[str]) -> str:
        chunks: list[bytes] = []
        damaged = False
        for raw_line in match.group("body").splitlines():
            data, bad = _decode_line(raw_line.rstrip())
            chunks.append(data)
            damaged = damaged or bad
        files.append(UuFile(match.group("name").strip(), b"".join(chunks), damaged))
        return ""

    if "begin " not in text:
        return text, files
    remaining = _BLOCK.sub(take, text)
    return remaining, files
