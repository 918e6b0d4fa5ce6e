"""A document whose text changed gets only its changed postings rewritten (index._diff); the result searches the
same as a full rewrite, within the weight tolerance."""

from dataclasses import replace

import pytest

from upstream.kb.search import index
from upstream.kb.search.models import Document, Posting
from upstream.kb.search.query import Scope, search
from upstream.kb.search.tests.conftest import KIND

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lexical_only")]

EVERYTHING = Scope((KIND,), ("public", "customers", "internal"))
BODY = " ".join(f"word{i} filler{i % 7}" for i in range(60))


def postings(doc_id: int) -> dict[str, tuple[int, float]]:
    """term → (row identity, weight): PostgreSQL's ctid tells a row kept in place from one written again."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {t: (0, w) for t, w in Posting.objects.filter(doc_id=doc_id).values_list("term", "weight")}
    with connection.cursor() as cursor:
        cursor.execute("SELECT term, ctid::text, weight FROM kb_search_posting WHERE doc_id = %s", [doc_id])
        return {term: (ctid, weight) for term, ctid, weight in cursor.fetchall()}


def exact_weights(doc_id: int) -> dict[str, float]:
    """What a full rewrite with the same statistics stores."""
    document = Document.objects.get(id=doc_id)
    index.reindex(KIND, [document.object_id], force=True)
    return dict(Posting.objects.filter(doc_id=doc_id).values_list("term", "weight"))


def test_an_appended_sentence_rewrites_only_the_postings_it_changes(indexed, articles):
    indexed(1, "Proxy settings", BODY)
    doc_id = Document.objects.get().id
    before = postings(doc_id)
    articles.add(1, "Proxy settings", f"{BODY} firewall rules changed")
    index.reindex(KIND, [1])
    after = postings(doc_id)
    assert set(after) == set(before) | {"firewal", "rule", "chang"}
    kept = [term for term in before if after[term] == before[term]]
    assert len(kept) >= len(before) - 2  # the length moved by 3 of 123 terms: every old weight is still good
    assert [hit.object_id for hit in search("firewall", scope=EVERYTHING, log=False).hits] == [1]
    exact = exact_weights(doc_id)
    assert all(w == pytest.approx(exact[t], rel=index.WEIGHT_TOLERANCE) for t, (_r, w) in after.items())


def test_removed_terms_disappear_and_a_large_change_rewrites_the_weights(indexed, articles):
    indexed(1, "Proxy settings", BODY)
    doc_id = Document.objects.get().id
    short = "word1 filler1 gateway"
    articles.add(1, "Proxy settings", short)
    index.reindex(KIND, [1])
    stored = dict(Posting.objects.filter(doc_id=doc_id).values_list("term", "weight"))
    assert set(stored) == {"proxi", "set", "word1", "filler1", "gateway"}
    assert search("word30", scope=EVERYTHING, log=False).hits == []
    exact = exact_weights(doc_id)
    assert stored == pytest.approx(exact, rel=index.WEIGHT_TOLERANCE)  # the body shrank 40 times: all rewritten


def test_a_changed_filter_fact_rewrites_every_posting(indexed, articles):
    indexed(1, "Proxy settings", BODY, visibility="public")
    articles.add(1, "Proxy settings", f"{BODY} extra", visibility="internal")
    index.reindex(KIND, [1])
    assert set(Posting.objects.values_list("visibility", flat=True)) == {2}
    public = replace(EVERYTHING, visibilities=("public",))
    assert search("proxy", scope=public, log=False).hits == []


def test_several_documents_in_one_batch_new_changed_unchanged_and_gone(indexed, articles):
    indexed(1, "Proxy settings", BODY)
    indexed(2, "Cluster guide", BODY)
    indexed(3, "Backup notes", BODY)
    articles.add(1, "Proxy settings", f"{BODY} firewall")
    articles.docs.pop(3)
    articles.add(4, "Restore notes", "restore from a snapshot")
    index.reindex(KIND, [1, 2, 3, 4])
    assert sorted(Document.objects.values_list("object_id", flat=True)) == [1, 2, 4]
    found = {q: [h.object_id for h in search(q, scope=EVERYTHING, log=False).hits] for q in ("firewall", "backup")}
    assert found == {"firewall": [1], "backup": []}
    assert [h.object_id for h in search("snapshot", scope=EVERYTHING, log=False).hits] == [4]
    assert not Posting.objects.exclude(doc_id__in=Document.objects.values("id")).exists()
