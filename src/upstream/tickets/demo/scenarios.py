"""What a demo conversation is made of, and the phrases shared by every scenario of a language."""

from __future__ import annotations

from dataclasses import dataclass
from string import Template
from typing import Protocol


class Output(Protocol):
    """Where progress goes: a management command's stdout or any text stream."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...


@dataclass(frozen=True)
class Scenario:
    """One kind of request and how it goes. Texts may use $version, $host and $product."""

    product: str | None
    category: str
    subject: str
    opening: str
    answer: str
    ask: str = ""  # the agent's first reply when more information is needed
    details: str = ""  # the customer's answer to `ask`
    note: str = ""  # an internal note from the agent
    tags: tuple[str, ...] = ()
    channel: str = ""  # forced channel (monitoring alerts)
    platform: str = ""
    attachment: tuple[str, str] | None = None  # (file name, content) sent with `details`
    priority: int | None = None


@dataclass(frozen=True)
class Phrases:
    """Generic turns of a conversation in one language."""

    more_info: tuple[str, ...]
    second_ask: tuple[str, ...]
    testing: tuple[str, ...]
    thanks: tuple[str, ...]
    reopen: tuple[str, ...]
    reopen_answer: tuple[str, ...]
    escalation_note: tuple[str, ...]
    engineering_update: tuple[str, ...]
    duplicate_note: tuple[str, ...]
    triage_note: tuple[str, ...]
    hosts: dict[str, tuple[str, ...]]  # product name ("" for none) -> host or cluster names
    environments: tuple[str, ...]
    recent_changes: tuple[str, ...]
    access_notes: tuple[str, ...]


def host_for(phrases: Phrases, product: str | None, pick: float) -> str:
    """A host name that fits the product; `pick` in [0, 1) chooses which."""
    names = phrases.hosts.get(product or "") or phrases.hosts[""]
    return names[int(pick * len(names))]


def fill(text: str, **values: str) -> str:
    return Template(text).safe_substitute(values)
