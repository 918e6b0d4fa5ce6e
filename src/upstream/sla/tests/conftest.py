"""The `world` fixture of the SLA run-time tests (runtime_world.py)."""

from upstream.sla.tests.runtime_world import world  # noqa: F401
