"""Every vector in ../shared/data/sla-vectors passes with the product's engine (none skipped, none special-cased)."""

import json
from pathlib import Path

import pytest

from upstream.sla.vectors import evaluate_vector

pytestmark = pytest.mark.smoke

VECTORS_FILE = (Path(__file__).parents[4] / "../shared/data/sla-vectors/vectors.json").resolve()


def _vectors():
    if not VECTORS_FILE.parent.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"evaluation data absent: {VECTORS_FILE.parent}"))]
    vectors = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vectors"]
    return [pytest.param(vector, id=vector["id"]) for vector in vectors]


@pytest.mark.parametrize("vector", _vectors())
def test_vector_passes(vector):
    result = evaluate_vector(vector)
    assert result.passed, result.describe()


def test_the_file_has_vectors():
    if not VECTORS_FILE.parent.is_dir():
        pytest.skip(f"evaluation data absent: {VECTORS_FILE.parent}")
    assert len(json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vectors"]) >= 31
