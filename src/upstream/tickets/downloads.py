"""Serving attachments safely: the web UI and the API both answer downloads through `attachment_response`."""

from __future__ import annotations

from django.http import FileResponse

from upstream.tickets.attachments import is_safe_inline
from upstream.tickets.models import Attachment


def attachment_response(attachment: Attachment, *, inline: bool = False) -> FileResponse:
    """A streamed download that a browser can never execute as a page of our origin.

    Risky types (HTML, SVG, XML …) are sent as application/octet-stream and always as a download; a sandboxing
    CSP and nosniff stop any rendering even if a client ignores the disposition.
    """
    safe = is_safe_inline(attachment.content_type)
    content_type = attachment.content_type if safe else "application/octet-stream"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not (inline and safe),
        filename=attachment.filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=0, no-store"
    return response
