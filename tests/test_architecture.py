"""The dependency rule: core ← accounts ← customers ← tickets ← {downstream apps} ← {analytics, success} ← portability.

An app may import only from apps to its left. `tickets` reacts to nothing downstream directly: downstream apps
subscribe through upstream.events by dotted path.
"""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.smoke

SRC = Path(__file__).resolve().parent.parent / "src" / "upstream"
# notifications sits downstream of tickets and upstream of the apps that notify people (sla escalations).
LAYERS = ["core", "accounts", "customers", "tickets", "notifications"]
DOWNSTREAM = ["sla", "channels", "kb", "surveys", "hours", "automation", "integrations"]
# Apps that read across the downstream apps (dashboards, health scores); portability exports every app's data.
TOP = ["analytics", "success"]
OUTERMOST = ["portability"]
ALL_APPS = LAYERS + DOWNSTREAM + TOP + OUTERMOST


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    apps = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "upstream" and len(parts) > 1:
                apps.add(parts[1])
    return apps


def _allowed(app: str) -> set[str]:
    if app in LAYERS:
        return set(LAYERS[: LAYERS.index(app) + 1]) | {"conf", "events"}
    if app in TOP:
        return set(LAYERS) | set(DOWNSTREAM) | {app, "conf", "events"}
    if app in OUTERMOST:
        return set(ALL_APPS) | {"conf", "events"}
    return set(LAYERS) | {app, "conf", "events"}


EXISTING = [app for app in ALL_APPS if (SRC / app).is_dir()]


@pytest.mark.parametrize("app", EXISTING)
def test_apps_import_only_upstream_of_themselves(app):
    folder = SRC / app
    offences = []
    for path in folder.rglob("*.py"):
        # Tests, factories (core/testing.py builds objects of every app) and commands that load demo data sit
        # outside the runtime dependency graph.
        if "tests" in path.parts or "management" in path.parts or path.name == "testing.py":
            continue
        illegal = _imported_apps(path) & set(ALL_APPS) - _allowed(app)
        if illegal:
            offences.append(f"{path.relative_to(SRC)} imports {sorted(illegal)}")
    assert not offences, "\n".join(offences)


def test_core_has_no_concrete_models():
    tree = ast.parse((SRC / "core" / "models.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            meta = next((n for n in node.body if isinstance(n, ast.ClassDef) and n.name == "Meta"), None)
            assert meta is not None and "abstract = True" in ast.unparse(meta), f"{node.name} must be abstract"
