"""Which rows of each entity an export of a given scope contains, and which references survive into it.

An organisation's export holds its own rows (`Owned`), the vendor's configuration (`Shared`), and the people and
articles its rows point to (`Referenced`, collected while the owned rows are written, so the archive never refers to a
row it lacks). A reference the scope cannot carry (another organisation's ticket, a mailbox with its passwords) is
written as null; `tests/test_registry.py` checks that every such field is nullable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from upstream.portability.registry import (
    REGISTRY,
    SKIPPED_FIELDS,
    Excluded,
    InstanceOnly,
    Owned,
    Referenced,
    Shared,
    Treatment,
)


def label_of(model: Any) -> str:
    return str(model._meta.label_lower)


def is_multi_valued(model: type[models.Model], path: str) -> bool:
    """Whether a lookup path crosses a one-to-many or many-to-many relation (then a row could match twice)."""
    current: Any = model
    for part in path.split("__"):
        if part == "pk":
            return False
        rel = current._meta.get_field(part)
        if rel.one_to_many or rel.many_to_many:
            return True
        if not rel.is_relation:
            return False
        current = rel.related_model
    return False


def owned_filter(model: type[models.Model], path: str, organisation_id: int) -> Q:
    if path == "pk":
        return Q(pk=organisation_id)
    if is_multi_valued(model, path):
        return Q(pk__in=model._base_manager.filter(**{path: organisation_id}).values("pk"))
    return Q(**{path: organisation_id})


@dataclass(frozen=True)
class Required:
    """A row is exported only if this condition holds (a non-nullable reference to a row of the same scope)."""

    condition: Exists


@dataclass
class Scope:
    """One export's scope. `organisation_id` None means the whole instance."""

    organisation_id: int | None = None
    # Referenced entity → primary keys the rows written so far point to (organisation scope only).
    wanted: dict[str, set[Any]] = field(default_factory=dict)
    # Referenced entity → primary keys it was written with (once written).
    written: dict[str, set[Any]] = field(default_factory=dict)

    @property
    def instance(self) -> bool:
        return self.organisation_id is None

    def includes(self, how: Treatment) -> bool:
        if isinstance(how, Excluded):
            return False
        return self.instance or not isinstance(how, InstanceOnly)

    def write_order(self, labels: list[str]) -> list[str]:
        """Referenced entities last and in reverse declaration order, so every row pointing to them is written first."""
        if self.instance:
            return labels
        referenced = [label for label in labels if isinstance(REGISTRY[label], Referenced)]
        return [label for label in labels if label not in referenced] + referenced[::-1]

    def queryset(self, label: str, model: type[models.Model]) -> QuerySet[Any]:
        rows = model._base_manager.order_by("pk")
        if self.organisation_id is None:
            return rows
        how = REGISTRY[label]
        if isinstance(how, Owned):
            return rows.filter(owned_filter(model, how.path, self.organisation_id))
        if isinstance(how, Referenced):
            wanted = Q(pk__in=sorted(self.wanted.get(label, set())))
            if how.seed:
                wanted |= owned_filter(model, how.seed, self.organisation_id)
            rows = rows.filter(wanted)
            self.written[label] = set(rows.values_list("pk", flat=True))
            return rows
        return rows

    # -- references -------------------------------------------------------------------------------------------------

    def target(self, rel: Any) -> tuple[str, Treatment | None]:
        target_label = label_of(rel.related_model)
        return target_label, REGISTRY.get(target_label)

    def fk_guard(self, model: type[models.Model], label: str, rel: Any) -> Any:
        """How an FK value is written: "keep", "null", "collect" (Referenced target), "organisation" (kept if it is
        the exported one), Required (rows failing it are left out), or an Exists expression whose annotation says
        whether the referenced row is exported."""
        _, how = self.target(rel)
        if how is None or isinstance(how, Excluded) or not self.includes(how):
            return "null"
        if self.instance or isinstance(how, Shared | InstanceOnly):
            return "keep"
        if isinstance(how, Referenced):
            return "collect"
        assert isinstance(how, Owned) and self.organisation_id is not None
        own = REGISTRY[label]
        if isinstance(own, Owned) and own.path.split("__")[0] == rel.name:
            return "keep"  # the row's own path runs through this relation: in scope by construction
        if how.path == "pk":
            return "organisation"  # kept only when it is the exported organisation
        target_model = rel.related_model
        in_scope = Exists(
            target_model._base_manager.filter(owned_filter(target_model, how.path, self.organisation_id)).filter(
                pk=OuterRef(rel.attname)
            )
        )
        # A required reference cannot be blanked: a row pointing outside the organisation is left out instead.
        return in_scope if rel.null else Required(in_scope)

    def m2m_included(self, label: str, rel: Any) -> bool:
        if rel.name in SKIPPED_FIELDS.get(label, {}):
            return False
        if not rel.remote_field.through._meta.auto_created:
            return False  # an explicit through model (Membership) is an entity of its own
        _, how = self.target(rel)
        return how is not None and self.includes(how)

    def m2m_through_filter(self, rel: Any) -> Q:
        """Restricts an M2M's through rows to targets in this scope (organisation scope, owned targets)."""
        _, how = self.target(rel)
        through_target = rel.m2m_reverse_field_name()
        if self.organisation_id is None or not isinstance(how, Owned):
            return Q()
        if how.path == "pk":
            return Q(**{f"{through_target}_id": self.organisation_id})
        return Q(
            **{
                f"{through_target}__in": rel.related_model._base_manager.filter(
                    owned_filter(rel.related_model, how.path, self.organisation_id)
                ).values("pk")
            }
        )

    def note_reference(self, target_label: str, value: Any) -> Any:
        """Records a reference to a Referenced row; returns the value to write (null if the row is not exported)."""
        if value is None:
            return None
        written = self.written.get(target_label)
        if written is not None:
            return value if value in written else None
        self.wanted.setdefault(target_label, set()).add(value)
        return value
