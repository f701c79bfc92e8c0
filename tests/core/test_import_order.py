"""Imports go one way (docs/architecture.md, "Imports go one way"): an app imports only the
apps below it in the order, never one beside or above it. Read from the source with ``ast``,
imports inside functions included; migrations aside (they name other apps by label)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The order of docs/architecture.md: each app's layer. Apps of one layer do not import each
# other, apart from the top layer's pages (legal and frontend serve each other's views).
LAYERS: list[set[str]] = [
    {"core"},
    {"itineraries"},
    {"bookings"},
    {"guides", "payments", "resources"},
    {"visits"},
    {"invoicing"},
    {"procurement", "einvoicing", "accounting"},
    {"surveys"},
    {"reports"},
    {"legal", "frontend"},
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}
SIBLINGS_ALLOWED = {frozenset({"legal", "frontend"})}


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & LEVEL.keys()


def _violations() -> list[str]:
    wrong = []
    for app, level in LEVEL.items():
        folder = ROOT / app
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
            if "migrations" in path.parts:
                continue
            for other in _imported_apps(path):
                if other == app or LEVEL[other] < level:
                    continue
                if frozenset({app, other}) in SIBLINGS_ALLOWED:
                    continue
                wrong.append(f"{path.relative_to(ROOT)} imports {other}")
    return wrong


def test_every_app_imports_only_the_apps_below_it() -> None:
    assert _violations() == []


def test_every_installed_project_app_has_its_place_in_the_order() -> None:
    from django.conf import settings

    project = {name for name in settings.INSTALLED_APPS if (ROOT / name / "apps.py").exists()}
    assert project <= LEVEL.keys(), sorted(project - LEVEL.keys())
    assert "visits" in project


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "upward.py"
    module.write_text("def f():\n    from visits.messages import due_messages\n")
    assert _imported_apps(module) == {"visits"}
