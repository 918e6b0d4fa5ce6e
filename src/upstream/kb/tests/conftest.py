"""Fixtures of the knowledge-base tests: `kb_world` (readers of every kind and one article per visibility/state)."""

import pytest

from upstream.kb.tests.kb_world import kb_world  # noqa: F401


@pytest.fixture(autouse=True)
def _no_semantic_rerank(settings):
    # The lexical ranking is what these tests rely on; loading the embedding model would only make them slow.
    settings.SEARCH_SEMANTIC_RERANK = False
