"""Fixtures for the email channel tests: a private Dovecot (session-wide) and an OAuth2 provider stand-in."""

from upstream.channels.email.tests.dovecot import dovecot, oauth_provider

__all__ = ["dovecot", "oauth_provider"]
