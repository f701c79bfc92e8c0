"""The web app stays light for a phone: what one page downloads (main.js and what it imports, the
route's page module and what it imports, the reader's texts, the stylesheet) under 150 KB
uncompressed; all the app's own JavaScript and CSS in one language (what the guide's phone keeps
offline, frontend/sw.js) under 260 KB; the vendored Leaflet (loaded only by the pages that draw a
map) under its own budget.

History: one budget for every file of the app, 150 KB, then 165 KB with the public map, then
215 KB with the quotes' pages, the certificates and the guide's check-in, when every module was
preloaded by every page. The texts were then split by language, and the pages made modules that
main.js imports when their route opens (frontend/urls.py names each route's page, the shell
preloads that page only): the heaviest page, a group's booking page, was 118 KB then."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontend.views import module_imports, page_module_urls

STATIC = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend"
JS = STATIC / "js"
VENDOR = STATIC / "vendor"
PAGE_BUDGET_BYTES = 150 * 1024
APP_BUDGET_BYTES = 260 * 1024
LEAFLET_BUDGET_BYTES = 170 * 1024  # Leaflet 1.9.4: 148 KB of JS and 14 KB of CSS
# Pages rendered on the server that load one module of the app (with what it imports).
SERVER_PAGES = ("legal", "contribute")


def _size(paths: list[Path]) -> int:
    return sum(path.stat().st_size for path in paths)


def _page(modules: set[str], lang: str) -> int:
    return _size([JS / name for name in modules] + [JS / f"texts-{lang}.js", STATIC / "app.css"])


def test_every_page_fits_the_budget_of_a_phone() -> None:
    pages = page_module_urls()
    assert {"catalogue", "itinerary", "bookingpage", "guide", "publicmap"} <= set(pages)
    shell = set(module_imports("main.js"))
    for name in pages:
        modules = shell | set(module_imports(f"{name}.js"))
        for lang in ("fr", "en"):
            total = _page(modules, lang)
            assert total < PAGE_BUDGET_BYTES, f"{total} bytes of JS and CSS for {name} in {lang}"
    for name in SERVER_PAGES:
        total = _page(set(module_imports(f"{name}.js")), "fr")
        assert total < PAGE_BUDGET_BYTES, f"{total} bytes for the server page {name}"


def test_the_whole_app_fits_its_budget() -> None:
    """Every module and the stylesheet, and one language's texts (i18n.js loads the reader's)."""
    files = [
        path
        for path in [*STATIC.rglob("*.js"), *STATIC.rglob("*.css")]
        if VENDOR not in path.parents
    ]
    assert files, "no asset found"
    for lang, other in (("fr", "en"), ("en", "fr")):
        page = [path for path in files if path.name != f"texts-{other}.js"]
        assert len(page) == len(files) - 1, f"texts-{other}.js is missing"
        total = _size(page)
        assert total < APP_BUDGET_BYTES, f"{total} bytes of JS and CSS for the app in {lang}"


@pytest.mark.parametrize("name", ["main.js", "itinerary.js", "bookingpage.js"])
def test_the_import_reader_sees_every_static_import(name: str) -> None:
    """The budget and the shell's preloads follow static imports: each module that a file
    names in an import statement is in its closure, the file itself first."""
    closure = module_imports(name)
    text = (JS / name).read_text(encoding="utf-8")
    named = {
        line.split('"./')[1].split('"')[0] for line in text.splitlines() if ' from "./' in line
    }
    assert named and named <= set(closure)
    assert closure[0] == name


def test_vendored_leaflet_fits_its_budget() -> None:
    files = [*VENDOR.rglob("*.js"), *VENDOR.rglob("*.css")]
    assert len(files) == 2, files
    assert _size(files) < LEAFLET_BUDGET_BYTES
