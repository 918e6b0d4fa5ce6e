"""What can be searched: each kind of document has a Source that loads it as plain text with its access facts.

The index never reads other apps' models itself: the kb app registers "article" in its AppConfig.ready(), this app
registers the ticket kinds (`ticket_source.py`). A Source returns no document for an id that no longer exists or
should not be found (deleted, unpublished); the index then drops it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

VISIBILITIES = ("public", "customers", "internal")


@dataclass(frozen=True)
class SourceDoc:
    kind: str  # the registry key: "article", "ticket", "ticket_note", …
    object_id: int
    title: str
    body: str  # plain text: strip HTML before
    language: str  # "zh-hans" | "en"
    visibility: str  # "public" | "customers" | "internal"
    url: str
    product_ids: tuple[int, ...] = ()
    organisation_id: int | None = None  # tickets: the customer organisation (customers see only their own)
    updated_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Source(Protocol):
    def load(self, ids: Sequence[int]) -> list[SourceDoc]: ...
    def all_ids(self) -> Iterator[int]: ...


@runtime_checkable
class ChangeTracking(Protocol):
    """Optional: a source that can list what changed since a moment lets the catch-up job repair the index even
    when a save forgot to call schedule_reindex."""

    def changed_since(self, since: datetime) -> Iterator[int]: ...


_SOURCES: dict[str, Source] = {}
# Kinds only staff may search, whatever a document's visibility says (internal notes live on customers' tickets).
STAFF_ONLY_KINDS: set[str] = set()
# Kinds whose hits must also pass the tickets app's access rules before anyone sees them.
TICKET_KINDS: set[str] = set()


def register_source(kind: str, source: Source) -> None:
    if len(kind) > 16:
        raise ValueError(f"search kind {kind!r} is longer than 16 characters")
    _SOURCES[kind] = source


def unregister_source(kind: str) -> None:
    """For tests and the bench, which register throwaway kinds."""
    _SOURCES.pop(kind, None)


def get_source(kind: str) -> Source:
    try:
        return _SOURCES[kind]
    except KeyError:
        raise KeyError(f"no search source registered for {kind!r}; known: {sorted(_SOURCES)}") from None


def kinds() -> tuple[str, ...]:
    return tuple(_SOURCES)
