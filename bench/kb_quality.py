"""Knowledge-base answer quality (issue 6): Recall@1, Recall@3, MRR@10, latency and the answer bot's abstention.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/upstream_kbbench .venv/bin/python bench/kb_quality.py \\
        --docs ../shared/data/kb-eval/clinc150/kb_docs.jsonl --queries ../shared/data/kb-eval/clinc150/queries_dev.jsonl

Input (the formats of ../shared/data/kb-eval): `--docs` has one `{doc_id, title, example_questions}` a line, `--queries`
one `{qid, text, relevant_doc_ids}` a line; an empty `relevant_doc_ids` marks an out-of-scope question, which the
answer bot should decline.

The database (default `upstream_kbbench`; a name must end in "bench") is created and migrated when needed and emptied
(`flush`) at every run. Each doc becomes a public article through the articles app's services (create_article,
submit_for_review, publish; title = the doc's title, body = its example questions as a Markdown list, language
detected), then the search index is rebuilt and, untimed, every article is embedded and its vectors stored
(`semantic.warm`: the backfill the periodic job runs after indexing; see docs/benchmarks.md).

Every query then goes through the function the portal's suggestions use, `kb.search.query.search()` with the
anonymous visitor's scope, once per system:

  - baseline: plain BM25 written here (k1 1.2, b 0.75, title + body as one field; lower-cased words, and Chinese as
    character unigrams and bigrams since plain whitespace splitting would find nothing), over the same documents;
  - upstream-lexical: search(rerank=False): Upstream's analysis (jieba, Snowball) and BM25F in SQL;
  - upstream-semantic: search(rerank=True): the same candidates reranked by the local embedding model.

A query counts as answered by its first relevant doc in the top 10. Latency is the wall time of the call (p50, p95).
Abstention: the result's `abstain` flag (the baseline: no document matched); precision = declined out-of-scope /
all declined, recall = declined out-of-scope / out-of-scope. Prints a table and one line of JSON per system
(prefixed "BENCH_JSON "); exits non-zero when Upstream's suggestions do not beat the baseline's MRR@10.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/upstream_kbbench"
TOP_K = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", required=True, type=Path, help="kb_docs.jsonl")
    parser.add_argument("--queries", required=True, type=Path, help="queries jsonl")
    parser.add_argument("--name", help="data set name in the output (default: the docs file's folder)")
    parser.add_argument("--max-queries", type=int, default=0, help="only the first N queries (0: all)")
    parser.add_argument("--min-gain", type=float, default=0.02, help="MRR@10 Upstream must add to the baseline's")
    return parser.parse_args()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


# ---------------------------------------------------------------- setup


def ensure_database(url: str) -> str:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("bench/kb_quality.py runs on PostgreSQL: DATABASE_URL=postgres://…/upstream_kbbench")
    name = parts.path.lstrip("/")
    if not name.endswith("bench"):
        sys.exit(f"refusing to empty {name!r}: use a database whose name ends in 'bench'")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)
    return name


def setup_django() -> None:
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "upstream.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
    os.environ["TASK_BACKEND"] = "database"  # saves only queue re-indexing; the bench rebuilds the index itself
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # a fresh knowledge base for every data set


def load_articles(docs: Sequence[dict[str, Any]]) -> dict[int, str]:
    """Each doc as a published public article; returns article id → doc_id."""
    from upstream.accounts.models import Role, User
    from upstream.kb import services
    from upstream.kb.models import Visibility
    from upstream.kb.search.analysis import detect_language

    editor = User.objects.create_user("kb.bench", password=None, role=Role.ADMIN, full_name="KB bench")
    ids = {}
    for doc in docs:
        body = "\n".join(f"- {question}" for question in doc["example_questions"])
        fields = services.ArticleFields(
            title=doc["title"][: services.MAX_TITLE],
            body_markdown=body,
            language=detect_language(f"{doc['title']}\n{body}"),
            visibility=Visibility.PUBLIC,
        )
        article = services.create_article(by=editor, fields=fields)
        article = services.submit_for_review(by=editor, article=article)
        services.publish(by=editor, article=article)
        ids[article.id] = doc["doc_id"]
    return ids


# ---------------------------------------------------------------- the baseline


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+")


def plain_tokens(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        for part in re.split(f"({_HAN.pattern})", word):
            if not part:
                continue
            if _HAN.fullmatch(part):
                out += list(part) + [part[i : i + 2] for i in range(len(part) - 1)]
            else:
                out.append(part)
    return out


class PlainBM25:
    def __init__(self, docs: Sequence[dict[str, Any]], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = [doc["doc_id"] for doc in docs]
        self.counts = [Counter(plain_tokens(f"{d['title']}\n" + "\n".join(d["example_questions"]))) for d in docs]
        self.lengths = [sum(c.values()) for c in self.counts]
        self.average = sum(self.lengths) / max(len(self.lengths), 1)
        self.df = Counter(term for counts in self.counts for term in counts)
        self.k1, self.b = k1, b

    def search(self, query: str) -> list[str]:
        n = len(self.ids)
        terms = set(plain_tokens(query))
        scores = []
        for doc_id, counts, length in zip(self.ids, self.counts, self.lengths, strict=True):
            score = 0.0
            norm = self.k1 * (1 - self.b + self.b * length / self.average)
            for term in terms & counts.keys():
                idf = math.log(1 + (n - self.df[term] + 0.5) / (self.df[term] + 0.5))
                score += idf * counts[term] * (self.k1 + 1) / (counts[term] + norm)
            if score > 0:
                scores.append((score, doc_id))
        scores.sort(key=lambda item: -item[0])
        return [doc_id for _score, doc_id in scores[:TOP_K]]


# ---------------------------------------------------------------- measuring


@dataclass
class Outcome:
    ranked: list[str]  # doc_ids, best first
    abstain: bool
    seconds: float
    rule_abstain: bool | None = None  # semantic.should_abstain(hits), when the hits carry semantic scores


Run = Callable[[str], tuple[list[str], bool, bool | None]]


def abstention(
    outcomes: Sequence[Outcome], out_of_scope: Sequence[bool], flag: str
) -> tuple[float | None, float | None]:
    """(precision, recall) of declining, out-of-scope queries being the ones to decline."""
    declined = [bool(getattr(o, flag)) for o in outcomes]
    right = sum(d and oos for d, oos in zip(declined, out_of_scope, strict=True))
    total_oos = sum(out_of_scope)
    if not total_oos:
        return None, None
    return (round(right / sum(declined), 4) if any(declined) else None), round(right / total_oos, 4)


def measure(name: str, queries: Sequence[dict[str, Any]], run: Run) -> dict[str, Any]:
    outcomes = []
    for number, query in enumerate(queries, start=1):
        started = time.perf_counter()
        ranked, abstain, rule = run(query["text"])
        outcomes.append(Outcome(ranked, abstain, time.perf_counter() - started, rule))
        if number % 500 == 0:
            print(f"  {name}: {number:,}/{len(queries):,}", flush=True)
    in_scope = [(q, o) for q, o in zip(queries, outcomes, strict=True) if q["relevant_doc_ids"]]
    oos = [not q["relevant_doc_ids"] for q in queries]
    r1 = r3 = reciprocal = 0.0
    for query, outcome in in_scope:
        relevant = set(query["relevant_doc_ids"])
        rank = next((i for i, doc_id in enumerate(outcome.ranked[:TOP_K], start=1) if doc_id in relevant), None)
        if rank:
            r1 += rank == 1
            r3 += rank <= 3
            reciprocal += 1 / rank
    latencies = sorted(o.seconds * 1000 for o in outcomes)
    precision, recall = abstention(outcomes, oos, "abstain")
    n = max(len(in_scope), 1)
    result = {
        "system": name,
        "queries": len(queries),
        "in_scope": len(in_scope),
        "out_of_scope": sum(oos),
        "recall_at_1": round(r1 / n, 4),
        "recall_at_3": round(r3 / n, 4),
        "mrr_at_10": round(reciprocal / n, 4),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "abstention_precision": precision,
        "abstention_recall": recall,
        "declined": sum(o.abstain for o in outcomes),
    }
    if any(o.rule_abstain is not None for o in outcomes):
        precision, recall = abstention(outcomes, oos, "rule_abstain")
        result.update(semantic_rule_abstention_precision=precision, semantic_rule_abstention_recall=recall)
    return result


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, math.ceil(share * len(values)) - 1))]


def upstream_system(article_ids: dict[int, str], *, rerank: bool) -> Run:
    from upstream.kb.search import semantic
    from upstream.kb.search.query import scope_for, search

    scope = scope_for(None)  # the anonymous visitor, as on the portal's public pages

    def run(text: str) -> tuple[list[str], bool, bool | None]:
        result = search(text, user=None, scope=scope, limit=TOP_K, rerank=rerank)
        ranked = [article_ids[h.object_id] for h in result.hits if h.kind == "article" and h.object_id in article_ids]
        scored = any(h.semantic is not None for h in result.hits)
        # The rule semantic.py gives the answer bot, reported beside the result's own flag until search() uses it.
        rule = semantic.should_abstain(result.hits) if scored or (rerank and not result.hits) else None
        return ranked, result.abstain, rule

    return run


def main() -> int:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    database = ensure_database(url)
    docs, queries = read_jsonl(args.docs), read_jsonl(args.queries)
    if args.max_queries:
        queries = queries[: args.max_queries]
    name = args.name or args.docs.resolve().parent.name
    setup_django()

    from upstream.kb.search import index, semantic

    started = time.perf_counter()
    article_ids = load_articles(docs)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    indexed = index.rebuild("article")
    rebuilt = time.perf_counter() - started
    started = time.perf_counter()
    embedded = semantic.warm("article") if semantic.enabled() else 0
    warmed = time.perf_counter() - started
    print(f"{name}: {len(article_ids)} articles loaded in {loaded:.1f} s, indexed {indexed} in {rebuilt:.1f} s, "
          f"embedded {embedded} in {warmed:.1f} s; {len(queries):,} queries", flush=True)  # fmt: skip

    baseline = PlainBM25(docs)
    results = [
        measure("baseline-bm25", queries, lambda text: ((ranked := baseline.search(text)), not ranked, None)),
        measure("upstream-lexical", queries, upstream_system(article_ids, rerank=False)),
        measure("upstream-semantic", queries, upstream_system(article_ids, rerank=True)),
    ]
    report(name, database, docs, results)
    # The target is on what the portal's suggestions use: search() with semantic reranking (the default). The
    # lexical-only system is reported for comparison.
    base = results[0]["mrr_at_10"]
    return 0 if results[-1]["mrr_at_10"] >= base + args.min_gain else 1


def report(name: str, database: str, docs: Sequence[dict[str, Any]], results: list[dict[str, Any]]) -> None:
    from django.conf import settings

    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(f"data set {name}: {len(docs)} articles, {results[0]['queries']:,} queries "
          f"({results[0]['out_of_scope']:,} out of scope); database {database}; {os.cpu_count()} cores, "
          f"load average {load}; Python {platform.python_version()}")  # fmt: skip

    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:.3f}"

    print(f"{'system':<20} {'R@1':>6} {'R@3':>6} {'MRR@10':>7} {'p50 ms':>7} {'p95 ms':>7} {'abst. P':>8} "
          f"{'abst. R':>8} {'rule P':>7} {'rule R':>7}")  # fmt: skip
    for r in results:
        print(f"{r['system']:<20} {r['recall_at_1']:>6.3f} {r['recall_at_3']:>6.3f} {r['mrr_at_10']:>7.3f} "
              f"{r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} {cell(r['abstention_precision']):>8} "
              f"{cell(r['abstention_recall']):>8} {cell(r.get('semantic_rule_abstention_precision')):>7} "
              f"{cell(r.get('semantic_rule_abstention_recall')):>7}")  # fmt: skip
    print("abst.: the result's abstain flag; rule: semantic.should_abstain(hits), the answer bot's rule")
    semantic_on = bool(getattr(settings, "SEARCH_SEMANTIC", True))
    for r in results:
        print(
            "BENCH_JSON " + json.dumps({"bench": "kb_quality", "dataset": name, **r, "semantic_setting": semantic_on})
        )


if __name__ == "__main__":
    sys.exit(main())
