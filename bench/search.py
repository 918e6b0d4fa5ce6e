"""Search benchmark (issue 6): indexing speed and query latency of `upstream.kb.search` over 100,000 mixed Chinese
and English documents (articles and tickets) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/upstream_searchbench .venv/bin/python bench/search.py

Creates and migrates the database when needed (its name must end in "bench"). Documents are synthetic SourceDocs of
two bench-only kinds ("bench_article", "bench_ticket"), generated from a seed and written through the bulk indexing
API (`index.write`, what `reindex` and `rebuild` run per batch): the index is timed, not the generator. A later run
finds them indexed and times a reindex of a sample (the update path: delete and insert postings) instead, unless
--rebuild. Then a few hundred realistic queries (2–6 terms, Chinese, English and mixed) run through `search()` in
three scopes (agent, customer with an organisation filter, anonymous), with the search log written as in production.

The named baseline, measured in the same run: a naive substring scan, `icontains` on title and body for every query
word (ILIKE '%word%' AND …, what Zammad's and FreeScout's database search do), over the same documents' stored text.

Prints a table and one line of JSON (prefixed "BENCH_JSON "); exits non-zero when a target is missed (p95 < 50 ms;
at least 1,000 documents/s indexed).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/upstream_searchbench"
TARGET_P95_MS = 50.0
TARGET_DOCS_PER_S = 1000.0
ARTICLE, TICKET = "bench_article", "bench_ticket"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000, help="documents in the index (30%% articles)")
    parser.add_argument("--queries", type=int, default=300, help="distinct queries, each run once per scope")
    parser.add_argument("--baseline-queries", type=int, default=40, help="queries run through the naive scan")
    parser.add_argument("--batch", type=int, default=1000, help="documents per indexing batch")
    parser.add_argument("--reindex-sample", type=int, default=10_000, help="documents reindexed on a reused index")
    parser.add_argument("--rebuild", action="store_true", help="drop the bench documents and index them again")
    parser.add_argument(
        "--rerank", action="store_true", help="also run the semantic reranker (measured by its own bench otherwise)"
    )
    parser.add_argument(
        "--rewrite-sample", type=int, default=2000, help="documents rewritten in full (force) on a reused index"
    )
    parser.add_argument(
        "--semantic-queries",
        type=int,
        default=20,
        help="queries run with the semantic rerank over stored embeddings (0: skip the semantic part)",
    )
    parser.add_argument("--embed-sample", type=int, default=100, help="documents embedded to time the backfill")
    parser.add_argument(
        "--live-rebuild",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="on a reused index, also time `upstream search reindex` of every document (a rebuild of a live index)",
    )
    parser.add_argument("--seed", type=int, default=6)
    return parser.parse_args()


# ---------------------------------------------------------------- setup


def ensure_database(url: str) -> str:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("bench/search.py measures PostgreSQL: DATABASE_URL=postgres://…/upstream_searchbench")
    name = parts.path.lstrip("/")
    if not name.endswith("bench"):
        sys.exit(f"refusing to write 100,000 documents into {name!r}: use a database whose name ends in 'bench'")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return name


def setup_django() -> None:
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "upstream.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
    import django

    django.setup()


# ---------------------------------------------------------------- synthetic documents

# Support vocabulary, the words people search for; filler words follow a Zipf law over a larger made-up vocabulary
# so postings lists have a realistic long tail (a few very frequent words, many rare ones).
PRODUCTS = ["Keycloak", "PostgreSQL", "Kubernetes", "Nginx", "Redis", "Kafka", "Elasticsearch", "LDAP", "Grafana",
            "Prometheus", "RabbitMQ", "MinIO", "Harbor", "GitLab", "Jenkins", "Ceph", "etcd", "Vault"]  # fmt: skip
EN_ACTIONS = ["upgrade", "install", "configure", "backup", "restore", "migrate", "rotate", "scale", "monitor",
              "deploy", "rollback", "replicate", "export", "import", "authenticate"]  # fmt: skip
EN_PROBLEMS = ["login fails", "connection refused", "timeout", "memory leak", "certificate expired", "slow query",
               "disk full", "502 bad gateway", "permission denied", "high CPU", "replication lag", "token invalid",
               "pod crash loop", "out of memory", "DNS resolution error", "session lost", "password reset"]  # fmt: skip
ZH_ACTIONS = ["升级", "安装", "配置", "备份", "恢复", "迁移", "轮换", "扩容", "监控", "部署", "回滚", "复制", "导出",
              "导入", "认证"]  # fmt: skip
ZH_PROBLEMS_TEXT = """
登录失败 连接被拒绝 超时 内存泄漏 证书过期 慢查询 磁盘已满 网关错误 权限不足
CPU占用高 复制延迟 令牌无效 容器反复重启 内存溢出 域名解析失败 会话丢失 重置密码
"""
ZH_PROBLEMS = ZH_PROBLEMS_TEXT.split()
ZH_FILLER_TEXT = """
我们 客户 系统 服务器 集群 节点 日志 数据库 版本 环境 网络 用户 应用 文件 问题 原因 方法 步骤 设置 参数
检查 发现 出现 需要 已经 目前 生产 测试 运行 正常 异常 错误 提示 页面 接口 请求 响应 时间 今天 昨天
重启 更新 修改 删除 添加 查看 确认 支持 工程师 远程 排查 解决 方案 影响 业务 紧急 尽快 联系 反馈 性能
延迟 负载 资源 存储 备份 策略 安全 漏洞 补丁 证书 域名 端口 防火墙 代理 缓存 队列 索引 表 字段
"""
ZH_FILLER = ZH_FILLER_TEXT.split()
EN_FILLER_SIZE = 20_000
SYLLABLES = "ka lo mi ren tor sal ve dun pra ix mon sel quo tan bri fe gar hul jo nex or pel rik sto ul vin wex yor zan"
COMMON_EN = """please check the logs after restart and confirm the service is running again with new settings
customer reports error since yesterday production environment version cluster node user data server network issue
request response time config file update patch"""


def en_filler(rng: random.Random) -> list[str]:
    syllables = SYLLABLES.split()
    common = COMMON_EN.split()
    made_up = {rng.choice(syllables) + rng.choice(syllables) + rng.choice(syllables) for _ in range(EN_FILLER_SIZE)}
    return common + sorted(made_up)


class Corpus:
    """Deterministic synthetic documents: document i is the same in every run for a given seed."""

    def __init__(self, seed: int, total: int) -> None:
        self.seed = seed
        self.articles = int(total * 0.3)
        self.tickets = total - self.articles
        self.en_words = en_filler(random.Random(seed))
        # Zipf weights: the k-th word is drawn with probability ∝ 1/k.
        self.en_weights = [1 / (k + 1) for k in range(len(self.en_words))]
        self.zh_weights = [1 / (k + 1) for k in range(len(ZH_FILLER))]

    def _filler(self, rng: random.Random, zh: bool, n: int) -> list[str]:
        if zh:
            return rng.choices(ZH_FILLER, self.zh_weights, k=n)
        return rng.choices(self.en_words, self.en_weights, k=n)

    def doc(self, kind: str, object_id: int) -> Any:
        from upstream.kb.search.sources import SourceDoc

        rng = random.Random(self.seed * 10_000_019 + object_id * 2 + (kind == TICKET))
        zh = rng.random() < 0.5
        product = rng.randrange(len(PRODUCTS))
        name = PRODUCTS[product]
        if zh:
            action, problem = rng.choice(ZH_ACTIONS), rng.choice(ZH_PROBLEMS)
            title = f"{action}{name}后{problem}" if rng.random() < 0.6 else f"{name} {problem}的处理方法"
        else:
            action, problem = rng.choice(EN_ACTIONS), rng.choice(EN_PROBLEMS)
            title = f"{problem.capitalize()} after {action} of {name}"
            if rng.random() < 0.4:
                title = f"How to {action} {name}"
        sentences = []
        for _ in range(rng.randint(4, 14)):
            words = self._filler(rng, zh, rng.randint(6, 16))
            if rng.random() < 0.35:
                words.insert(rng.randrange(len(words) + 1), name)
            if rng.random() < 0.25:
                words.insert(rng.randrange(len(words) + 1), problem if rng.random() < 0.5 else action)
            if rng.random() < 0.1:  # mixed text: English product and error strings inside Chinese and back
                words.insert(rng.randrange(len(words) + 1), rng.choice(PRODUCTS + ZH_PROBLEMS + EN_PROBLEMS))
            sentences.append(("" if zh else " ").join(words) + ("。" if zh else ". "))
        body = "".join(sentences)
        if kind == ARTICLE:
            visibility = rng.choices(["public", "customers", "internal"], [6, 3, 1])[0]
            organisation = None
        else:
            visibility, organisation = "customers", 1 + rng.randrange(500)
        return SourceDoc(
            kind=kind,
            object_id=object_id,
            title=title,
            body=body,
            language="zh-hans" if zh else "en",
            visibility=visibility,
            url=f"/bench/{kind}/{object_id}/",
            product_ids=(product + 1,),
            organisation_id=organisation,
        )

    def ids(self, kind: str) -> range:
        return range(1, (self.articles if kind == ARTICLE else self.tickets) + 1)

    def query(self, rng: random.Random) -> str:
        """What people type: a product and a problem, an action, sometimes a stray word; 2–6 terms."""
        name = rng.choice(PRODUCTS)
        shape = rng.random()
        if shape < 0.35:
            parts = [name, rng.choice(ZH_ACTIONS), rng.choice(ZH_PROBLEMS)]
        elif shape < 0.7:
            parts = [rng.choice(EN_PROBLEMS), rng.choice(["after", "during", ""]), rng.choice(EN_ACTIONS), name]
        elif shape < 0.85:  # mixed
            parts = [rng.choice(ZH_ACTIONS), name, rng.choice(EN_PROBLEMS)]
        else:
            parts = [rng.choice(EN_ACTIONS), name, *rng.choices(self.en_words[:400], k=rng.randint(1, 2))]
        return " ".join(p for p in parts if p)


class BenchSource:
    def __init__(self, corpus: Corpus, kind: str) -> None:
        self.corpus, self.kind = corpus, kind
        self.seconds = 0.0  # spent generating documents (a real source reads them from its tables instead)

    def load(self, ids: Sequence[int]) -> list[Any]:
        started = time.perf_counter()
        docs = [self.corpus.doc(self.kind, i) for i in ids]
        self.seconds += time.perf_counter() - started
        return docs

    def all_ids(self) -> Iterator[int]:
        return iter(self.corpus.ids(self.kind))


# ---------------------------------------------------------------- measuring


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def count_queries(call: Callable[[], Any]) -> int:
    from django.db import connection

    sent: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        call()
    return len(sent)


def machine() -> dict[str, Any]:
    import django
    from django.db import connection

    cpu = next(
        (line.split(":", 1)[1] for line in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line),
        platform.processor(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server,
    }


def index_corpus(corpus: Corpus, args: argparse.Namespace) -> dict[str, Any]:
    """Index every bench document (fresh) or reindex a sample (reused index); time only the index writes."""
    from django.db import connection

    from upstream.kb.search import index
    from upstream.kb.search.models import Document, Posting

    have = Document.objects.filter(kind__in=[ARTICLE, TICKET]).count()
    fresh = args.rebuild or have < args.documents
    if not fresh and stale_postings():
        print("the index predates migrations 0003–0005 (product bits, signatures, term weights): indexing again")
        fresh = True
    if fresh and have:
        print(f"dropping {have:,} bench documents …", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE kb_search_posting, kb_search_document, kb_search_stats, kb_search_pending")
    plan = [(kind, list(corpus.ids(kind))) for kind in (ARTICLE, TICKET)]
    passes: list[tuple[str, list[tuple[str, list[int]]], str]] = [("fresh", plan, "")]
    if not fresh:
        # Two samples: documents whose text changed (a follow-up sentence stamped with this run, so every run
        # really rewrites their postings: the target is checked on this one) and unchanged ones (what a status or
        # assignee change costs: the document row only, its postings kept).
        # A new sample every run: each document gets the sentence on top of its original text (the changed pass
        # writes the originals back afterwards, untimed), so no run measures the cheaper change of one stamp.
        stamp = f"{time.time():.0f}"
        sample_rng = random.Random(f"{args.seed}-{stamp}")
        half = max(1, args.reindex_sample // 4)
        rewrite = max(1, args.rewrite_sample // 2)
        sampled = [(kind, sample_rng.sample(ids, min(len(ids), 2 * half + rewrite))) for kind, ids in plan]
        passes = [
            ("reindex, changed text", [(kind, sorted(ids[:half])) for kind, ids in sampled], stamp),
            ("reindex, unchanged", [(kind, sorted(ids[half : 2 * half])) for kind, ids in sampled], ""),
            # For information: every posting deleted and written again (what rebuild does on a non-empty index,
            # and what any change cost before the postings were diffed).
            ("reindex, full rewrite (force)", [(kind, sorted(ids[2 * half :])) for kind, ids in sampled], "force"),
        ]
    rates: dict[str, dict[str, Any]] = {}
    for mode, mode_plan, stamp in passes:
        if not mode_plan or not any(ids for _kind, ids in mode_plan):
            continue
        if mode == "fresh":
            # What rebuild does on an empty index: the (term, weight) index is built once at the end, timed too.
            t0 = time.perf_counter()
            with index.bulk_loading() as bulk:
                rates[mode] = index_pass(corpus, mode, mode_plan, stamp, args.batch)
            elapsed = time.perf_counter() - t0
            build_s = elapsed - rates[mode]["write_seconds"] - rates[mode]["generate_seconds"]
            if bulk:
                rates[mode]["index_build_seconds"] = round(build_s, 2)
                rates[mode]["write_seconds"] = round(rates[mode]["write_seconds"] + build_s, 2)
                rates[mode]["docs_per_s"] = round(rates[mode]["documents"] / rates[mode]["write_seconds"], 1)
                print(f"  fresh, with the index build ({build_s:.1f} s): {rates[mode]}", flush=True)
        else:
            rates[mode] = index_pass(corpus, mode, mode_plan, stamp, args.batch)
            if stamp and stamp != "force":
                index_pass(corpus, "restoring the original text (untimed)", mode_plan, "", args.batch)
    if not fresh and args.live_rebuild:
        rates["rebuild of the live index (upstream search reindex)"] = live_rebuild(args.batch)
    measured = rates["fresh" if fresh else "reindex, changed text"]
    done, write_s, generate_s = measured["documents"], measured["write_seconds"], measured["generate_seconds"]
    t0 = time.perf_counter()
    stats = index.refresh_stats()
    refresh_s = time.perf_counter() - t0
    # What autovacuum does after a bulk load (the visibility map lets the postings scan be index-only) and fresh
    # planner statistics; run here so the latency measured is that of a settled index.
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE kb_search_posting")
        cursor.execute("VACUUM ANALYZE kb_search_document")
    vacuum_s = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size('kb_search_posting'), pg_total_relation_size('kb_search_document')"
        )
        posting_bytes, document_bytes = cursor.fetchone()
    return {
        "mode": "fresh" if fresh else "reindex, changed text",
        "passes": rates,
        "documents": done,
        "write_seconds": round(write_s, 2),
        "docs_per_s": round(done / write_s, 1),
        "generate_seconds": round(generate_s, 2),
        "refresh_stats_seconds": round(refresh_s, 3),
        "vacuum_analyze_seconds": round(vacuum_s, 1),
        "index_documents": stats.documents,
        "postings": Posting.objects.count(),
        "posting_mb": round(posting_bytes / 1e6, 1),
        "document_mb": round(document_bytes / 1e6, 1),
        "avg_title_terms": round(stats.avg_title_length, 1),
        "avg_body_terms": round(stats.avg_body_length, 1),
    }


def index_pass(corpus: Corpus, mode: str, plan: list[tuple[str, list[int]]], stamp: str, batch: int) -> dict[str, Any]:
    from dataclasses import replace

    from upstream.kb.search import index

    total = sum(len(ids) for _k, ids in plan)
    print(f"{mode}: {total:,} documents in batches of {batch} …", flush=True)
    generate_s = write_s = 0.0
    done = 0
    for kind, ids in plan:
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            t0 = time.perf_counter()
            docs = [corpus.doc(kind, i) for i in chunk]
            if stamp and stamp != "force":
                docs = [replace(d, body=f"{d.body} Follow-up {stamp}: please check the logs again.") for d in docs]
            t1 = time.perf_counter()
            index.write(kind, chunk, docs, force=stamp == "force")
            write_s += time.perf_counter() - t1
            generate_s += t1 - t0
            done += len(chunk)
            if done % 20_000 < batch:
                print(f"  {done:,} / {total:,} ({done / write_s:,.0f} docs/s)", flush=True)
    result = {
        "documents": done,
        "write_seconds": round(write_s, 2),
        "docs_per_s": round(done / write_s, 1),
        "generate_seconds": round(generate_s, 2),
    }
    print(f"  {mode}: {result}", flush=True)
    return result


def live_rebuild(batch: int) -> dict[str, Any]:
    """What `upstream search reindex` does to an index that searches are using: every document written into a new
    postings table, indexed once and swapped in (kb/search/shadow.py). Timed whole, the index build, the swap and
    the statistics included; the bench's document generator (slower than writing) is timed apart, as in the other
    passes, and `docs_per_s` leaves it out."""
    from upstream.kb.search import index, sources

    print("rebuild of the live index: every document …", flush=True)
    bench_sources = [
        source for kind in (ARTICLE, TICKET) if isinstance(source := sources.get_source(kind), BenchSource)
    ]
    generated_before = sum(source.seconds for source in bench_sources)
    t0 = time.perf_counter()
    done = index.rebuild(batch=batch)
    seconds = time.perf_counter() - t0
    generate_s = sum(source.seconds for source in bench_sources) - generated_before
    result = {
        "documents": done,
        "seconds": round(seconds, 2),
        "generate_seconds": round(generate_s, 2),
        "write_seconds": round(seconds - generate_s, 2),
        "docs_per_s": round(done / (seconds - generate_s), 1),
        "docs_per_s_with_generation": round(done / seconds, 1),
    }
    print(f"  rebuild of the live index: {result}", flush=True)
    return result


def stale_postings() -> bool:
    """Postings written before migration 0003 carry product_mask -1 ("not computed"): a product filter over them is
    correct but as slow as before; documents written before 0004 have no signature, so the "unchanged" reindex
    sample would rewrite them all, and so would the "changed" sample for documents written before 0005 (no term
    weights kept). The bench then indexes again. One posting of the first document tells."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.product_mask, d.signature, d.term_weights FROM kb_search_posting p "
            "JOIN kb_search_document d ON d.id = p.doc_id "
            "WHERE p.doc_id = (SELECT MIN(d.id) FROM kb_search_document d WHERE d.kind IN (%s, %s)) LIMIT 1",
            [ARTICLE, TICKET],
        )
        row = cursor.fetchone()
    return row is None or row[0] == -1 or row[1] == "" or row[2] == ""


def run_queries(label: str, queries: list[str], call: Callable[[str], Any]) -> dict[str, Any]:
    for q in queries[:10]:  # warm-up: caches, prepared plans
        call(q)
    samples, cpu, hits = [], [], []
    for q in queries:
        started, started_cpu = time.perf_counter(), time.thread_time()
        result = call(q)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        hits.append(len(result))
    return {
        "case": label,
        "queries": len(queries),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "max_ms": round(max(samples), 2),
        "with_hits": sum(1 for h in hits if h),
        # This process's own CPU time (not PostgreSQL's, not time spent waiting for a core): on a machine shared
        # with other benches the wall time includes the queueing, this does not.
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(percentile(cpu, 95), 2),
    }


def semantic_part(queries: list[str], scope: Any, args: argparse.Namespace) -> dict[str, Any] | None:
    """The semantic rerank over stored embeddings: the backfill rate (what the periodic job sustains), then
    `--semantic-queries` searches with rerank=True once the vectors of their candidates are stored (what a fully
    backfilled index serves), with the query embedding timed apart. Embedding all 100,000 documents would take
    hours on this machine, hence a sample; the lexical candidates are embedded through the search path itself
    (first use computes and stores)."""
    from upstream.kb.search import semantic
    from upstream.kb.search.models import Document
    from upstream.kb.search.query import RERANK_POOL, search

    if args.semantic_queries <= 0 or not semantic.enabled():
        return None
    sample = queries[: args.semantic_queries]
    print(f"semantic: backfill of {args.embed_sample} documents …", flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    embedded = semantic.backfill(limit=args.embed_sample)
    backfill_s, backfill_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  {embedded} documents in {backfill_s:.1f} s ({backfill_cpu:.1f} s of CPU)", flush=True)
    keys: set[tuple[str, int]] = set()
    for q in sample:
        keys.update((h.kind, h.object_id) for h in search(q, scope=scope, limit=RERANK_POOL, rerank=False).hits)
    t0 = time.perf_counter()
    semantic.document_vectors(sorted(keys))  # computes and stores what the backfill has not reached
    first_use_s = time.perf_counter() - t0
    print(f"  the {len(keys)} candidates of {len(sample)} queries embedded in {first_use_s:.1f} s", flush=True)
    rerank = run_queries(
        "search() agent, semantic rerank (stored embeddings)",
        sample,
        lambda q: search(q, scope=scope, limit=10, rerank=True).hits,
    )
    embed = run_queries("query embedding alone (semantic.embed_query)", sample, lambda q: [semantic.embed_query(q)])
    lexical = run_queries(
        "search() agent, lexical, same queries", sample, lambda q: search(q, scope=scope, limit=10, rerank=False).hits
    )
    for row in (rerank, embed, lexical):
        print(f"  {row}", flush=True)
    return {
        "backfill": {
            "documents": embedded,
            "seconds": round(backfill_s, 1),
            "docs_per_s": round(embedded / backfill_s, 2) if backfill_s else None,
            "cpu_seconds": round(backfill_cpu, 1),
            "docs_per_cpu_s": round(embedded / backfill_cpu, 2) if backfill_cpu else None,
        },
        "candidates_embedded": len(keys),
        "candidates_embed_seconds": round(first_use_s, 1),
        "stored_embeddings": Document.objects.filter(embedding__isnull=False).count(),
        "results": [rerank, embed, lexical],
        "p95_target_met": rerank["p95_ms"] < TARGET_P95_MS,
    }


def main() -> int:
    args = parse_args()
    database = ensure_database(os.environ.get("DATABASE_URL", DEFAULT_URL))
    os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL", DEFAULT_URL)
    setup_django()

    from django.core.management import call_command
    from django.db.models import Q

    from upstream.kb.search import sources
    from upstream.kb.search.models import Document, SearchLog
    from upstream.kb.search.query import Scope, search

    call_command("migrate", verbosity=0)
    corpus = Corpus(args.seed, args.documents)
    for kind in (ARTICLE, TICKET):
        sources.register_source(kind, BenchSource(corpus, kind))
    print(f"database {database}", flush=True)

    gc.collect()
    indexing = index_corpus(corpus, args)
    print(f"indexed: {indexing}", flush=True)

    rng = random.Random(args.seed + 1)
    queries = [corpus.query(rng) for _ in range(args.queries)]
    scopes = {
        "agent (articles + tickets, every visibility)": Scope((ARTICLE, TICKET), ("public", "customers", "internal")),
        "customer (org filter, public + customers)": Scope((ARTICLE, TICKET), ("public", "customers"), (17, 230)),
        "anonymous (public articles)": Scope((ARTICLE,), ("public",), ()),
        "agent, product filter": Scope((ARTICLE, TICKET), ("public", "customers", "internal"), product_id=3),
    }
    results = []
    for label, scope in scopes.items():

        def call(q: str, scope: Scope = scope) -> list[Any]:
            return search(q, scope=scope, limit=10, rerank=args.rerank).hits

        results.append(run_queries(f"search() {label}", queries, call))
        results[-1]["sql_statements"] = count_queries(partial(call, queries[0]))
        print(f"  {results[-1]}", flush=True)
    everything = scopes["agent (articles + tickets, every visibility)"]
    results.append(
        run_queries(
            "search() agent, without the log insert",
            queries,
            lambda q: search(q, scope=everything, rerank=args.rerank, log=False).hits,
        )
    )

    # Baseline: substring scan, every word must appear in the title or body (stored copies), no ranking.
    def naive(q: str) -> list[Any]:
        condition = Q()
        for word in q.split()[:6]:
            condition &= Q(title__icontains=word) | Q(body__icontains=word)
        return list(Document.objects.filter(condition, kind__in=[ARTICLE, TICKET]).values_list("id", flat=True)[:10])

    baseline = run_queries("baseline: icontains scan (ILIKE per word)", queries[: args.baseline_queries], naive)
    results.append(baseline)
    print(f"  {baseline}", flush=True)

    semantic_results = semantic_part(queries, everything, args)

    agent = results[0]
    targets = {
        "p95_ms": max(r["p95_ms"] for r in results[:4]),
        "p95_target_met": all(r["p95_ms"] < TARGET_P95_MS for r in results[:4]),
        "docs_per_s": indexing["docs_per_s"],
        "indexing_target_met": indexing["docs_per_s"] >= TARGET_DOCS_PER_S,
        "speedup_p50_vs_baseline": round(baseline["p50_ms"] / agent["p50_ms"], 1),
    }
    print()
    print(f"| case | queries | p50 ms | p95 ms | max ms | with hits | SQL | target (p95 < {TARGET_P95_MS:.0f} ms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        target = ("ok" if r["p95_ms"] < TARGET_P95_MS else "MISSED") if r in results[:4] else ""
        print(
            f"| {r['case']} | {r['queries']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['with_hits']} "
            f"| {r.get('sql_statements', '')} | {target} |"
        )
    print()
    print(
        f"indexing ({indexing['mode']}): {indexing['documents']:,} documents in {indexing['write_seconds']} s = "
        f"**{indexing['docs_per_s']:,.0f} documents/s** ({indexing['postings']:,} postings, "
        f"{indexing['posting_mb']} MB postings, {indexing['document_mb']} MB documents)"
    )
    if semantic_results:
        backfill = semantic_results["backfill"]
        print(
            f"semantic: backfill {backfill['documents']} documents in {backfill['seconds']} s = "
            f"**{backfill['docs_per_s']} documents/s**; {semantic_results['stored_embeddings']:,} stored"
        )
        for r in semantic_results["results"]:
            cells = (r["case"], r["queries"], r["p50_ms"], r["p95_ms"], r["max_ms"], r["with_hits"])
            print("| " + " | ".join(str(c) for c in cells) + " |")
        targets["semantic_p95_ms"] = semantic_results["results"][0]["p95_ms"]
        targets["semantic_p95_target_met"] = semantic_results["p95_target_met"]
    print(f"targets: {targets}")
    payload = {
        "bench": "search",
        "database": database,
        "machine": machine(),
        "indexing": indexing,
        "results": results,
        "targets": targets,
        "semantic": semantic_results,
        "search_log_rows": SearchLog.objects.count(),
        "example_queries": queries[:8],
    }
    print("BENCH_JSON " + json.dumps(payload, ensure_ascii=False, default=str))
    return 0 if targets["p95_target_met"] and targets["indexing_target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
