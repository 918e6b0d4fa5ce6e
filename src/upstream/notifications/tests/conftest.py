"""The loopback SMTP server for the outbox tests (other apps import the same fixtures; see smtp_sink.py)."""

from upstream.notifications.tests.smtp_sink import smtp_certificate, smtp_sink, smtp_sink_factory  # noqa: F401
