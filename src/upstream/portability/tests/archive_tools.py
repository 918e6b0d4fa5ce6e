"""Reading archives in tests: members as bytes, rows as dicts, and rebuilding a tar with a member altered."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:*") as tar:
        out: dict[str, bytes] = {}
        for info in tar.getmembers():
            handle = tar.extractfile(info)
            assert handle is not None
            out[info.name] = handle.read()
        return out


def rows(path: Path, entity: str) -> list[dict[str, Any]]:
    data = members(path)[f"data/{entity}.jsonl"]
    return [json.loads(line) for line in data.splitlines()]


def manifest(path: Path) -> dict[str, Any]:
    return dict(json.loads(members(path)["manifest.json"]))


def rebuild(source: Path, target: Path, replace: dict[str, bytes], drop: tuple[str, ...] = ()) -> None:
    """A copy of `source` with some members' content replaced or members left out (a tampered archive)."""
    data = {name: content for name, content in members(source).items() if name not in drop}
    data.update(replace)
    with tarfile.open(target, "w:gz") as tar:
        for name, content in data.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
