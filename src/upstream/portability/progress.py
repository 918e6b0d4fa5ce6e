"""Progress on the command line: one tqdm bar per entity, on stderr."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm


class TqdmProgress:
    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar: Any = None

    def start(self, entity: str, total: int) -> None:
        self._bar = tqdm(
            total=total, desc=f"{entity:<32}", unit=" rows", file=sys.stderr, disable=not self.enabled, leave=True
        )

    def advance(self, rows: int) -> None:
        if self._bar is not None:
            self._bar.update(rows)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
