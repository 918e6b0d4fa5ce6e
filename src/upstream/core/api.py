"""Building blocks shared by every app's API router: input types that reject what the database would choke on,
and cursor pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from upstream.core.pagination import paginate

M = TypeVar("M", bound=Model)

# Database ids are signed 64-bit; a larger number would overflow in the query instead of simply matching nothing.
MAX_ID = 2**63 - 1
MAX_PAGE_SIZE = 100


def no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; without this check such input would fail deep in the database driver.
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID, description="a positive object id")]
# Text of any kind, capped far above any real message so that a huge value fails fast; services apply the real
# limits with field-specific messages.
Text = Annotated[str, StringConstraints(max_length=1_000_000), AfterValidator(no_nul)]
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(no_nul)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(no_nul)]
TagName = Annotated[str, StringConstraints(min_length=1, max_length=50), AfterValidator(no_nul)]
Cursor = Annotated[
    str,
    StringConstraints(max_length=1000),
    AfterValidator(no_nul),
    Field(description="the next_cursor value of the previous page"),
]
Limit = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description=f"page size, 1 to {MAX_PAGE_SIZE}")]


class StrictInput(Schema):
    """A request body: a field the API does not know (a typo such as "stauts") is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Ref(Schema):
    """A related object, by id and name."""

    id: int
    name: str


class PageParams(Schema):
    cursor: Cursor | None = None
    limit: Limit | None = None


def page_of(
    queryset: QuerySet[M],
    order: Sequence[str],
    params: PageParams,
    serialise: Callable[[M], Any],
) -> dict[str, Any]:
    """`{"items": [...], "next_cursor": ...}` for one keyset page of `queryset` (PAGE_SIZE rows unless limited)."""
    size = params.limit or min(settings.PAGE_SIZE, MAX_PAGE_SIZE)
    page = paginate(queryset, order, cursor=params.cursor, size=size)
    return {"items": [serialise(item) for item in page.items], "next_cursor": page.next_cursor}
