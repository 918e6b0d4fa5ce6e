"""The one place that reads the wall clock, so tests and pure modules can be given a time instead."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
