"""Unpacking Outlook's TNEF wrapper (winmail.dat, application/ms-tnef) with tnefparse."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tnefparse import TNEF


@dataclass
class TnefContent:
    files: list[tuple[str, bytes]] = field(default_factory=list)
    text: str = ""
    html: str = ""


def _as_text(value: object) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("cp1252", errors="replace")
    return value if isinstance(value, str) else ""


def unpack_tnef(data: bytes) -> TnefContent:
    """The files and body inside a TNEF blob. Raises ValueError (or tnefparse's own errors) when it is not TNEF."""
    # tnefparse logs a warning per bad checksum; the caller reports problems itself, so keep the log quiet.
    logging.getLogger("tnefparse").setLevel(logging.ERROR)
    parsed = TNEF(data, do_checksum=False)
    content = TnefContent(text=_as_text(parsed.body).rstrip("\x00"), html=_as_text(parsed.htmlbody).rstrip("\x00"))
    for attachment in parsed.attachments:
        name = attachment.long_filename() or attachment.name
        content.files.append((_as_text(name).strip("\x00"), bytes(attachment.data or b"")))
    return content
