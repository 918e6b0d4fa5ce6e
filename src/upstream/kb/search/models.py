"""The search index, stored in the database so SQLite and PostgreSQL behave the same and every web process reads the
same index: documents, postings (term → document with a precomputed BM25 weight), collection statistics, the queue
of documents waiting to be (re)indexed, and a log of searches."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Document(models.Model):
    """One indexed document, with a capped copy of its text for snippets (no per-hit query to its app)."""

    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    title = models.TextField()
    body = models.TextField()  # the first BODY_STORED characters only
    url = models.CharField(max_length=500)
    language = models.CharField(max_length=8)
    visibility = models.CharField(max_length=10)
    organisation_id = models.BigIntegerField(null=True)
    products = models.CharField(max_length=200, default="")  # " 3 7 " so a LIKE '% 3 %' filters on both databases
    extra = models.JSONField(default=dict)
    title_length = models.PositiveIntegerField(default=0)  # in terms
    body_length = models.PositiveIntegerField(default=0)
    source_updated_at = models.DateTimeField(null=True)
    indexed_at = models.DateTimeField()
    # A hash of what the postings are computed from (text and filter facts): a reindex that finds it unchanged (a
    # ticket's status or assignee changed) rewrites the document row only, not its ~60 postings. "" = unknown.
    signature = models.CharField(max_length=32, default="")
    # The weight of each of its postings as last written, JSON {term: weight}: a reindex of changed text compares
    # the new weights with these and rewrites only the postings that moved (index._Diff), without reading them.
    # "" = unknown (rows written before migration 0005): the next change rewrites every posting.
    term_weights = models.TextField(default="", editable=False)
    # The semantic reranker's vectors (semantic.to_bytes: int8, a few per document), computed after indexing by the
    # background job (semantic.backfill) with the model named beside them; NULL until then and again after the text
    # changes (index.write clears both). A vector from another model is never compared with this model's queries.
    embedding = models.BinaryField(null=True, editable=False)
    embedding_model = models.CharField(max_length=32, default="", editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="kbs_doc_kind_object")]
        indexes = [
            # What the backfill job looks for, without reading the documents already embedded.
            models.Index(fields=["id"], condition=models.Q(embedding__isnull=True), name="kbs_doc_unembedded")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"


class Posting(models.Model):
    """term → document. `weight` is the document side of BM25F (field-weighted, length-normalised term frequency),
    so a query only multiplies by idf and sums. The filter columns are copied from the document so that scope
    filtering happens inside the postings scan, without a join."""

    pk = models.CompositePrimaryKey("doc_id", "term")  # also serves deletes by document
    doc_id = models.BigIntegerField()
    term = models.CharField(max_length=64)
    weight = models.FloatField()
    kind = models.SmallIntegerField()  # KIND_CODES
    visibility = models.SmallIntegerField()  # 0 public, 1 customers, 2 internal
    language = models.SmallIntegerField()  # 0 en, 1 zh-hans
    organisation_id = models.BigIntegerField(null=True)
    # One bit per product id (weights.product_mask: bit id % 63), so a product filter is tested inside the postings
    # scan too; the document's exact `products` is checked on the final candidates only (bits can collide past 63
    # products). -1 (every bit) is "not computed yet": postings written before migration 0003 pass the in-scan test
    # and still meet the exact check, so a filter stays correct (only slower) until the next reindex.
    product_mask = models.BigIntegerField(default=-1)

    class Meta:
        indexes = [
            # A query reads each term's postings best weight first through this index alone (an index-only scan on
            # PostgreSQL) and stops after PER_TERM matches in scope: the cost no longer grows with the collection.
            models.Index(
                "term",
                models.F("weight").desc(),
                include=["doc_id", "kind", "visibility", "language", "organisation_id", "product_mask"],
                name="kbs_posting_term",
            )
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.doc_id}"


class Stats(models.Model):
    """Collection statistics for BM25 (one row, id=1), refreshed by rebuild and the catch-up job: idf and length
    normalisation change slowly, and recounting on every save would serialise all indexing on this row."""

    documents = models.BigIntegerField(default=0)
    avg_title_length = models.FloatField(default=8.0)
    avg_body_length = models.FloatField(default=150.0)
    refreshed_at = models.DateTimeField(null=True)
    # The model the stored embeddings were computed with: when the code's model differs, the backfill job clears
    # them all once (one UPDATE) and embeds everything again.
    embedding_model = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return f"{self.documents} documents"


class Pending(models.Model):
    """Documents to (re)index, written by schedule_reindex in the saving transaction: if the task is never enqueued
    or fails, the catch-up job still finds them here."""

    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    queued_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="kbs_pending_kind_object")]
        indexes = [models.Index(fields=["queued_at"], name="kbs_pending_queued")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class SearchLog(models.Model):
    """One row per search (one insert), for the KB gap report: frequent searches with no good result."""

    query = models.CharField(max_length=500)
    terms = models.CharField(max_length=500)  # the normalised terms, space-separated
    role = models.CharField(max_length=16)  # anonymous | customer | agent | admin | system
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    results = models.PositiveIntegerField()
    top_score = models.FloatField(null=True)
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.query
