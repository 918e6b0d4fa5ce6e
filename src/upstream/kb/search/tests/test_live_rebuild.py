"""Rebuilding a live PostgreSQL index (shadow.py): the postings are written into a new table and swapped in. The
result is the same as rewriting in place; searches and other kinds are untouched; what others index meanwhile is
current after the swap; a failed or killed rebuild leaves the live index as it was."""

import logging
from collections.abc import Iterator, Sequence

import psycopg
import pytest
from django.db import connection

from upstream.core import clock
from upstream.kb.search import index, shadow, sources
from upstream.kb.search.models import Document, Posting
from upstream.kb.search.query import Scope, search
from upstream.kb.search.sources import SourceDoc
from upstream.kb.search.tests.conftest import KIND

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lexical_only")]

OTHER = "t_other"
EVERYTHING = Scope((KIND, OTHER), ("public", "customers", "internal"))


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite rebuilds in place")


class OtherSource:
    def __init__(self) -> None:
        self.docs: dict[int, SourceDoc] = {}

    def load(self, ids: Sequence[int]) -> list[SourceDoc]:
        return [self.docs[i] for i in ids if i in self.docs]

    def all_ids(self) -> Iterator[int]:
        return iter(sorted(self.docs))


@pytest.fixture
def other():
    source = OtherSource()
    sources.register_source(OTHER, source)
    yield source
    sources.unregister_source(OTHER)


def found(text: str) -> set[tuple[str, int]]:
    return {(hit.kind, hit.object_id) for hit in search(text, scope=EVERYTHING, limit=50, log=False).hits}


def all_postings() -> dict[tuple[str, int, str], float]:
    rows = Posting.objects.values_list("doc_id", "term", "weight")
    kinds = dict(Document.objects.values_list("id", "kind"))
    objects = dict(Document.objects.values_list("id", "object_id"))
    return {(kinds[d], objects[d], term): round(weight, 9) for d, term, weight in rows}


def table_shape() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1", [shadow.LIVE])
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, contype FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY 1", [shadow.LIVE]
        )
        return indexes + cursor.fetchall()


def another_session() -> psycopg.Connection:
    keys = ("dbname", "user", "host", "port", "password")
    params = {k: v for k, v in connection.get_connection_params().items() if k in keys}
    return psycopg.connect(**params, autocommit=True)


def shadow_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [shadow.SHADOW])
        return bool(cursor.fetchone()[0])


@pytest.fixture
def library(articles):
    for number in range(1, 31):
        articles.add(number, f"Proxy guide {number}", f"cluster proxy timeout step{number} " * (number % 4 + 1))
    index.rebuild(KIND)  # empty: bulk loaded
    return articles


def test_a_live_rebuild_writes_what_a_rebuild_in_place_writes(library, caplog):
    assert shadow.applies()
    index._rebuild(KIND, batch=7, progress=None)  # in place, every posting rewritten
    in_place, shape = all_postings(), table_shape()
    with caplog.at_level(logging.INFO, logger="upstream.kb.search.shadow"):
        assert index.rebuild(KIND, batch=7) == 30
    assert "written by others" not in caplog.text  # its own rows are told apart from others' writes
    assert all_postings() == in_place
    assert table_shape() == shape  # same primary key, same (term, weight) index, same names
    assert not shadow_exists()
    assert len(found("proxy")) == 30


def test_documents_gone_from_the_source_are_dropped_and_new_ones_added(library):
    del library.docs[3]
    library.add(31, "Ingress certificates", "tls secret renewal")
    index.rebuild(KIND)
    assert (KIND, 3) not in found("proxy")
    assert found("certificates") == {(KIND, 31)}
    assert not Document.objects.filter(kind=KIND, object_id=3).exists()


def test_other_kinds_keep_their_postings(library, other):
    other.docs[5] = SourceDoc(OTHER, 5, "Proxy appendix", "cluster", "en", "public", "/o/5/")
    index.reindex(OTHER, [5])
    before = {key: weight for key, weight in all_postings().items() if key[0] == OTHER}
    index.rebuild(KIND)
    assert {key: weight for key, weight in all_postings().items() if key[0] == OTHER} == before
    assert (OTHER, 5) in found("appendix")


def test_a_document_changed_during_the_rebuild_is_current_after_the_swap(library, caplog):
    def progress(done: int, total: int) -> None:
        if done >= 10 and library.docs[2].title != "Renamed gateway":
            library.add(2, "Renamed gateway", "haproxy balancer")
            index.reindex(KIND, [2])  # a save's task, writing to the live table meanwhile

    with caplog.at_level(logging.INFO, logger="upstream.kb.search.shadow"):
        index.rebuild(KIND, batch=5, progress=progress)
    assert "1 documents written by others meanwhile" in caplog.text
    assert found("balancer") == {(KIND, 2)}
    assert (KIND, 2) not in found("step2")
    document = Document.objects.get(kind=KIND, object_id=2)
    terms = set(Posting.objects.filter(doc_id=document.id).values_list("term", flat=True))
    assert "balanc" in terms and "step2" not in terms


def test_documents_deleted_during_the_rebuild_leave_no_postings(library):
    def progress(done: int, total: int) -> None:
        # 5 is deleted after the rebuild wrote it into the new table, 25 before the rebuild reaches it.
        for object_id, after in ((5, 10), (25, 20)):
            if done >= after and object_id in library.docs:
                del library.docs[object_id]
                index.reindex(KIND, [object_id])

    index.rebuild(KIND, batch=10, progress=progress)
    assert set(Posting.objects.values_list("doc_id", flat=True)) <= set(Document.objects.values_list("id", flat=True))
    assert not {(KIND, 5), (KIND, 25)} & found("proxy")
    assert len(found("proxy")) == 28


def test_a_failed_rebuild_leaves_the_live_index_as_it_was(library):
    before = all_postings()

    def progress(done: int, total: int) -> None:
        if done >= 10:
            library.fail = True

    with pytest.raises(RuntimeError, match="source unavailable"):
        index.rebuild(KIND, batch=10, progress=progress)
    assert not shadow_exists()
    assert all_postings() == before
    # The rows the rebuild wrote describe postings that never went live: unknown, so a change rewrites them whole.
    assert Document.objects.filter(signature="").count() == 10
    library.fail = False
    library.add(4, "Proxy guide 4", "completely different words")
    index.reindex(KIND, [4])
    assert (KIND, 4) in found("different")
    assert (KIND, 4) not in found("step4")


def test_the_catch_up_drops_the_table_of_a_killed_rebuild(library):
    started = clock.now()
    shadow._create(started, [KIND])  # what a rebuild killed between two batches leaves
    assert shadow_exists() and shadow.leftover_is_abandoned()
    index.catch_up()
    assert not shadow_exists()
    assert Document.objects.filter(signature="").count() == 0  # nothing was written after it started
    assert len(found("proxy")) == 30


def test_a_second_rebuild_at_the_same_time_is_refused(library):
    with another_session() as elsewhere:  # advisory locks belong to a session
        elsewhere.execute("SELECT pg_advisory_lock(%s)", [shadow._LOCK_KEY])
        with pytest.raises(shadow.RebuildRunning):
            index.rebuild(KIND)
        assert not shadow.leftover_is_abandoned()
    assert len(found("proxy")) == 30


def test_a_rebuild_keeps_the_stored_embeddings_of_unchanged_documents(library):
    Document.objects.update(embedding=b"\x01\x02", embedding_model="test-model")
    index.rebuild(KIND)
    assert Document.objects.filter(embedding__isnull=True).count() == 0
    library.add(7, "Proxy guide 7", "now about kerberos")
    index.rebuild(KIND)
    assert list(Document.objects.filter(embedding__isnull=True).values_list("object_id", flat=True)) == [7]


def test_the_command_says_so_when_another_rebuild_runs(library):
    from django.core.management import CommandError, call_command

    with another_session() as elsewhere:  # advisory locks belong to a session
        elsewhere.execute("SELECT pg_advisory_lock(%s)", [shadow._LOCK_KEY])
        with pytest.raises(CommandError, match="another process is rebuilding the search index"):
            call_command("search", "reindex", "--kind", KIND)


@pytest.mark.django_db(transaction=True)
def test_a_writer_holding_a_document_at_the_swap_neither_deadlocks_nor_is_lost(articles, monkeypatch):
    """A reindex in a real second connection holds its document row when the swap begins: the rebuild neither
    deadlocks with it nor loses its change, whichever of the two tables it lands in."""
    import threading
    import time

    from django.db import transaction

    for number in range(1, 11):
        articles.add(number, f"Proxy guide {number}", "cluster proxy timeout")
    index.rebuild(KIND)  # empty: bulk loaded; the next rebuild is a live one
    about_to_swap = threading.Event()
    errors: list[BaseException] = []
    real_swap = shadow._swap

    def swap(started, ours):
        about_to_swap.set()
        time.sleep(0.2)  # the writer takes its row lock first
        real_swap(started, ours)

    def writer() -> None:
        try:
            assert about_to_swap.wait(10)
            with transaction.atomic():
                Document.objects.select_for_update().get(kind=KIND, object_id=3)  # what index.write does first
                time.sleep(0.5)  # the swap is waiting for this row now
                articles.add(3, "Renamed realm guide", "kerberos realm")
                index.reindex(KIND, [3])
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    monkeypatch.setattr(shadow, "_swap", swap)
    thread = threading.Thread(target=writer)
    thread.start()
    index.rebuild(KIND)
    thread.join(10)
    assert not errors
    assert found("kerberos") == {(KIND, 3)}
    assert (KIND, 3) not in found("cluster")
