"""DESIGN.md §1's import directions, enforced: a business rule cannot leak into a view,
and the NLU stays a library of its own."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGES = {"core", "miniapp_api", "bot", "nlu", "workflows", "iot", "notifications", "tasks", "locales"}
# the composition roots wire every package together; nothing else may
COMPOSITION_ROOTS = {"core/app.py", "core/cli.py", "core/gunicorn_conf.py"}

FORBIDDEN = {
    "core": APP_PACKAGES - {"core", "locales"},
    "workflows": (APP_PACKAGES - {"core", "workflows", "locales"}) | {"flask", "werkzeug"},
    "nlu": APP_PACKAGES - {"nlu"},
    "notifications": APP_PACKAGES - {"core", "notifications", "locales"},
    "bot": {"miniapp_api", "iot", "tasks"},
    "miniapp_api": {"bot", "iot", "tasks"},
    "iot": {"bot", "miniapp_api", "tasks"},
    "tasks": {"bot", "miniapp_api", "iot"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def modules_of(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel not in COMPOSITION_ROOTS:
            yield rel, path


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_directions(package):
    violations = [f"{rel} imports {sorted(imported_roots(path) & FORBIDDEN[package])}"
                  for rel, path in modules_of(package) if imported_roots(path) & FORBIDDEN[package]]
    assert violations == []
