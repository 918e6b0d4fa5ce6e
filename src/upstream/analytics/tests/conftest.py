"""Fixtures of the analytics tests (world.py)."""

from upstream.analytics.tests.world import history, small, world  # noqa: F401
