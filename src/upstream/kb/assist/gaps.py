"""The KB gap report: what customers and agents search for without a good answer, and which kinds of tickets have
no article at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q

from upstream.kb.assist.models import BotOffer, Deflection, Outcome
from upstream.kb.models import Article
from upstream.kb.models import Status as ArticleStatus
from upstream.kb.search.models import SearchLog
from upstream.tickets.models import Category, Ticket

WINDOW = timedelta(days=30)
TICKET_WINDOW = timedelta(days=90)
# A top lexical score under this means the best hit matched little of the query (a weak answer).
WEAK_SCORE = 2.0
ROWS = 25


@dataclass(frozen=True)
class FailedSearch:
    terms: str
    example: str
    count: int
    last_at: datetime
    no_results: bool


@dataclass(frozen=True)
class UncoveredGroup:
    category: str
    product: str
    tickets: int
    articles: int

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label) if self.category in Category.values else self.category


@dataclass(frozen=True)
class SelfService:
    deflections: int  # "this solved my problem" before a ticket existed
    offers: int  # tickets the answer bot answered
    solved: int  # … and the customer said it answered the question
    needs_help: int


def self_service(now: datetime) -> SelfService:
    since = now - WINDOW
    outcomes = dict(
        BotOffer.objects.filter(created_at__gte=since).values_list("outcome").annotate(n=Count("id")).order_by()
    )
    return SelfService(
        deflections=Deflection.objects.filter(created_at__gte=since).count(),
        offers=sum(outcomes.values()),
        solved=outcomes.get(Outcome.SOLVED, 0),
        needs_help=outcomes.get(Outcome.NEEDS_HELP, 0),
    )


def failed_searches(now: datetime) -> list[FailedSearch]:
    weak = Q(results=0) | Q(top_score__isnull=True) | Q(top_score__lt=WEAK_SCORE)
    rows = (
        SearchLog.objects.filter(weak, created_at__gte=now - WINDOW)
        .exclude(terms="")
        .exclude(role="system")
        .values("terms")
        .annotate(count=Count("id"), last_at=Max("created_at"), example=Min("query"), best=Max("results"))
        .order_by("-count", "-last_at")[:ROWS]
    )
    return [FailedSearch(r["terms"], r["example"], r["count"], r["last_at"], no_results=r["best"] == 0) for r in rows]


def uncovered_groups(now: datetime) -> list[UncoveredGroup]:
    """(category, product) groups of recent tickets, with how many published articles cover that product or were
    written from tickets of that category; the ones with none first."""
    groups = (
        Ticket.objects.filter(created_at__gte=now - TICKET_WINDOW, merged_into__isnull=True)
        .values("category", "product_id", "product__name")
        .annotate(tickets=Count("id"))
        .order_by("-tickets")[:200]
    )
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    by_product = dict(
        published.filter(products__isnull=False).values_list("products").annotate(n=Count("id", distinct=True))
    )
    by_category = dict(
        published.filter(source_ticket__isnull=False)
        .values_list("source_ticket__category")
        .annotate(n=Count("id", distinct=True))
    )
    rows = []
    for group in groups:
        for_product = by_product.get(group["product_id"], 0) if group["product_id"] else 0
        covered = by_category.get(group["category"], 0) + for_product
        rows.append(UncoveredGroup(group["category"], group["product__name"] or "", group["tickets"], covered))
    rows.sort(key=lambda row: (row.articles > 0, -row.tickets))
    return rows[:ROWS]
