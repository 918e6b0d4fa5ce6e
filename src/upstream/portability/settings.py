"""Where web-requested archives are kept and for how long (EXPORT_ROOT, EXPORT_LINK_HOURS in settings.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings


def export_root() -> Path:
    """Never served as static media: archives are downloaded through a view that checks who asks."""
    return Path(settings.EXPORT_ROOT)


def link_lifetime() -> dt.timedelta:
    """How long a built archive can be downloaded before it is deleted."""
    return dt.timedelta(hours=settings.EXPORT_LINK_HOURS)
