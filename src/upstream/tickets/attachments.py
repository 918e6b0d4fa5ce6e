"""Attachment validation and storage. Every upload is checked before anything is written, so a rejected file
leaves nothing half-saved."""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Protocol

from django.conf import settings
from django.core.files.base import File

from upstream.core.errors import InvalidInput, PayloadTooLarge
from upstream.tickets.models import Attachment, Message

# Types a browser would execute or render as a page; they are always served as downloads, never inline.
_UNSAFE_TO_RENDER = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml")
MAX_FILES_PER_MESSAGE = 20


class Upload(Protocol):
    name: str | None
    size: int | None
    content_type: str | None

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


def clean_filename(name: str | None) -> str:
    """The file name to show: no directories, no control characters, at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not base:
        base = "attachment"
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) < 10 else base[:255]
    return base


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def validate_uploads(uploads: Sequence[Upload]) -> None:
    """Raise PayloadTooLarge (413) or InvalidInput (422) for the first upload that may not be stored."""
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        raise InvalidInput(f"at most {MAX_FILES_PER_MESSAGE} attachments per message", field="attachments")
    limit = settings.ATTACHMENT_MAX_BYTES
    forbidden = {ext.lower() for ext in settings.ATTACHMENT_FORBIDDEN_EXTENSIONS}
    for upload in uploads:
        filename = clean_filename(upload.name)
        size = upload.size or 0
        if size > limit:
            raise PayloadTooLarge(
                f"{filename} is {size} bytes; attachments may be at most {limit} bytes", field="attachments"
            )
        if size == 0:
            raise InvalidInput(f"{filename} is empty", field="attachments")
        if extension(filename) in forbidden:
            raise InvalidInput(
                f"{filename}: files of type .{extension(filename)} are not accepted", field="attachments"
            )


def guess_content_type(upload: Upload, filename: str) -> str:
    declared = (upload.content_type or "").split(";", 1)[0].strip().lower()
    if declared and "/" in declared and len(declared) <= 127:
        return declared
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def store_attachments(message: Message, uploads: Sequence[Upload]) -> list[Attachment]:
    """Store already-validated uploads for `message` (inside the caller's transaction)."""
    stored = []
    for upload in uploads:
        filename = clean_filename(upload.name)
        digest = hashlib.sha256()
        size = 0
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
        attachment = Attachment(
            message=message,
            filename=filename,
            content_type=guess_content_type(upload, filename),
            size=size,
            sha256=digest.hexdigest(),
            storage_name=secrets.token_hex(16),
            content_id=(getattr(upload, "content_id", "") or "")[:255],
        )
        if hasattr(upload, "seek"):
            upload.seek(0)
        attachment.file.save(attachment.storage_name, File(upload), save=False)  # type: ignore[arg-type]
        attachment.save()
        stored.append(attachment)
    return stored


def is_safe_inline(content_type: str) -> bool:
    """Only plain images and PDFs may be shown in the browser; everything else downloads."""
    if content_type in _UNSAFE_TO_RENDER:
        return False
    return content_type.startswith("image/") or content_type == "application/pdf"
