"""The web app stays light: JavaScript and CSS together under 150 KB uncompressed."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend"
BUDGET_BYTES = 150 * 1024


def test_javascript_and_css_fit_the_budget() -> None:
    files = [*STATIC.rglob("*.js"), *STATIC.rglob("*.css")]
    assert files, "no asset found"
    total = sum(path.stat().st_size for path in files)
    assert total < BUDGET_BYTES, f"{total} bytes of JS and CSS"
