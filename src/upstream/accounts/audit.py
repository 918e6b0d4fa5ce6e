"""The audit log: one call records who did what to which record."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from upstream.accounts.models import AuditEvent, User


def _target(target: models.Model | tuple[str, object] | None) -> tuple[str, str]:
    """A model instance names itself as "app_label.model"; a (type, id) pair is taken as given."""
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    kind, ident = target
    return kind, "" if ident is None else str(ident)


def record(
    actor: User | None,
    action: str,
    target: models.Model | tuple[str, object] | None,
    summary: str,
    **details: Any,
) -> AuditEvent:
    """Write one audit entry in the caller's transaction (so it commits or rolls back with the action it records)."""
    target_type, target_id = _target(target)

    # Through the JSON encoder so dates, decimals and UUIDs in details are stored as text, not rejected.
    clean = json.loads(json.dumps(details, cls=DjangoJSONEncoder))
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        summary=summary[:300],
        details=clean,
    )
