"""Loading an empty index: the (term, weight) index is dropped while the postings are written and built once at the
end; a non-empty index keeps it; an interrupted load is repaired by the catch-up job."""

import pytest
from django.db import connection

from upstream.kb.search import index
from upstream.kb.search.query import Scope, search
from upstream.kb.search.tests.conftest import KIND

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lexical_only")]

EVERYTHING = Scope((KIND,), ("public", "customers", "internal"))


def has_term_index() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'kbs_posting_term'")
        return cursor.fetchone() is not None


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the bulk load drops and builds a PostgreSQL index")


def test_an_empty_index_is_loaded_without_its_term_index_then_built(articles):
    for number in range(1, 4):
        articles.add(number, f"Cluster guide {number}", "cluster proxy")
    with index.bulk_loading() as bulk:
        assert bulk and not has_term_index()
        index.reindex(KIND, [1, 2, 3])
    assert has_term_index()
    assert len(search("cluster", scope=EVERYTHING, log=False).hits) == 3


def test_rebuild_of_an_empty_index_bulk_loads_and_keeps_the_index(articles):
    articles.add(1, "Cluster guide", "cluster proxy")
    assert index.rebuild(KIND) == 1
    assert has_term_index()
    with index.bulk_loading() as bulk:  # not empty any more: searches keep their index
        assert not bulk and has_term_index()


def test_an_interrupted_load_is_repaired_by_the_catch_up(articles):
    articles.add(1, "Cluster guide", "cluster proxy")
    with pytest.raises(RuntimeError), index.bulk_loading():
        index.reindex(KIND, [1])
        raise RuntimeError("the worker died")
    assert has_term_index()  # built on the way out
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX kbs_posting_term")  # a process killed before it could build it
    index.catch_up()
    assert has_term_index()
    assert not index.ensure_term_index()
