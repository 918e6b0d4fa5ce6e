"""Every concrete model of the upstream apps is declared in the export registry, and each declaration is usable."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from upstream.portability.registry import (
    APPENDED,
    REGISTRY,
    REPLACEABLE,
    SKIPPED_FIELDS,
    Excluded,
    InstanceOnly,
    Owned,
    Referenced,
    undeclared,
    upstream_models,
)
from upstream.portability.scoping import Required, Scope, is_multi_valued

pytestmark = pytest.mark.smoke


def test_every_upstream_model_is_declared():
    missing = undeclared()
    assert not missing, f"declare these models in upstream/portability/registry.py: {missing}"


def test_every_declaration_names_an_existing_model():
    labels = {m._meta.label_lower for m in upstream_models()}
    assert set(REGISTRY) <= labels, sorted(set(REGISTRY) - labels)
    assert set(REGISTRY) >= REPLACEABLE and set(REGISTRY) >= APPENDED


def _resolve(label: str, path: str) -> None:
    model = apps.get_model(label)
    for part in path.split("__"):
        if part == "pk":
            return
        field = model._meta.get_field(part)
        assert field.is_relation, f"{label}: {path} crosses the non-relation {part}"
        model = field.related_model
    assert model._meta.label_lower == "customers.organisation", f"{label}: {path} does not end at an organisation"


@pytest.mark.parametrize("label", sorted(REGISTRY))
def test_organisation_paths_lead_to_the_organisation(label):
    how = REGISTRY[label]
    if isinstance(how, Owned) and how.path != "pk":
        _resolve(label, how.path)
    if isinstance(how, Referenced) and how.seed:
        _resolve(label, how.seed)
    if isinstance(how, Excluded | InstanceOnly):
        assert how.reason


def test_a_multi_valued_path_is_recognised():
    assert is_multi_valued(apps.get_model("customers.contact"), "memberships__organisation")
    assert not is_multi_valued(apps.get_model("tickets.message"), "ticket__organisation")


@pytest.mark.parametrize("organisation_id", [None, 1])
def test_every_reference_an_export_may_blank_is_nullable(organisation_id):
    """A foreign key to a row the scope leaves out is written as null: the column must accept it."""
    scope = Scope(organisation_id=organisation_id)
    order = scope.write_order([label for label, how in REGISTRY.items() if scope.includes(how)])
    for label, how in REGISTRY.items():
        if not scope.includes(how):
            continue
        model = apps.get_model(label)
        for field in model._meta.concrete_fields:
            if not field.is_relation:
                continue
            guard = scope.fk_guard(model, label, field)
            target = field.related_model._meta.label_lower
            # A collected reference is blanked only if its target was written before the row pointing to it.
            written_first = guard == "collect" and order.index(target) < order.index(label)
            may_blank = (not isinstance(guard, Required) and guard not in ("keep", "collect")) or written_first
            if may_blank:
                assert field.null, f"{label}.{field.name} may be written as null but is not nullable"


def test_skipped_fields_exist_and_relations_outside_upstream_are_skipped():
    for label, fields in SKIPPED_FIELDS.items():
        for name in fields:
            try:
                apps.get_model(label)._meta.get_field(name)
            except FieldDoesNotExist:  # pragma: no cover - the assertion explains
                pytest.fail(f"{label}.{name} is listed as skipped but does not exist")
    for label in REGISTRY:
        for rel in apps.get_model(label)._meta.many_to_many:
            if not rel.related_model.__module__.startswith("upstream."):
                assert rel.name in SKIPPED_FIELDS.get(label, {}), f"{label}.{rel.name}"
