"""`upstream search reindex [--kind K] [--batch N]` rebuilds the index with a progress bar;
`upstream search embed [--kind K] [--limit N]` stores the semantic reranker's vectors now (the periodic job does it
in the background otherwise); `upstream search query "text" [--as USERNAME]` shows what a user would get."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from upstream.kb.search import index, query, shadow, sources


class Command(BaseCommand):
    help = "Rebuild the search index, or run a search as a given user."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser("reindex", help="rebuild the index from the sources")
        reindex.add_argument("--kind", help="only this kind (article, ticket, ticket_note, …)")
        reindex.add_argument("--batch", type=int, default=500, help="documents per batch (default 500)")
        embed = sub.add_parser("embed", help="store the vectors of documents that have none yet")
        embed.add_argument("--kind", help="only this kind")
        embed.add_argument("--limit", type=int, default=None, help="at most this many documents")
        search = sub.add_parser("query", help="search as a user and print the hits")
        search.add_argument("text")
        search.add_argument("--as", dest="username", help="search as this user (default: anonymous)")
        search.add_argument("--limit", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "reindex":
            self.reindex(options["kind"], options["batch"])
        elif options["action"] == "embed":
            self.embed(options["kind"], options["limit"])
        else:
            self.query(options["text"], options["username"], options["limit"])

    def reindex(self, kind: str | None, batch: int) -> None:
        if kind and kind not in sources.kinds():
            raise CommandError(f"unknown kind {kind!r}; known: {', '.join(sources.kinds())}")
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        started = time.monotonic()
        with tqdm(unit="doc", desc="reindex", file=self.stderr._out, dynamic_ncols=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                count = index.rebuild(kind, batch=batch, progress=progress)
            except shadow.RebuildRunning as error:
                raise CommandError(str(error)) from None
        seconds = time.monotonic() - started
        rate = count / seconds if seconds else 0.0
        self.stdout.write(f"indexed {count} documents in {seconds:.1f} s ({rate:.0f}/s)")

    def embed(self, kind: str | None, limit: int | None) -> None:
        from upstream.kb.search import semantic

        if not semantic.enabled():
            raise CommandError("semantic search is off (SEARCH_SEMANTIC) or its model could not be loaded")
        started = time.monotonic()
        count = semantic.backfill(kind=kind, limit=limit)
        seconds = time.monotonic() - started
        self.stdout.write(f"embedded {count} documents in {seconds:.1f} s")

    def query(self, text: str, username: str | None, limit: int) -> None:
        user = None
        if username:
            from upstream.accounts.models import User

            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no user {username!r}")
        result = query.search(text, user=user, limit=limit, log=False)
        self.stdout.write(
            f"terms {result.terms}; {result.total_estimate} matched; {result.took_ms:.1f} ms; "
            f"confidence {result.confidence:.2f}{' (abstain)' if result.abstain else ''}"
        )
        for rank, hit in enumerate(result.hits, 1):
            self.stdout.write(f"{rank:>2}. {hit.score:7.3f} [{hit.kind} {hit.object_id}] {hit.title}  {hit.url}")
            self.stdout.write(f"    {hit.snippet_html}")
