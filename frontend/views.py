"""The web app's single HTML shell; the ES modules route on the client and call the public API."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from bookings import terms
from core.problems import handler404
from legal.pages import LANGUAGES, page_path

# Every page of the app: the catalogue, an itinerary, a booking, the guide's page, the map.
CSP_PARTS = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    # Card payments leave for Stripe's hosted Checkout page.
    "form-action 'self' https://checkout.stripe.com",
]
CSP = "; ".join(CSP_PARTS)


def tile_origin(url: str) -> str:
    """The origin the map's tiles come from, for the CSP's img-src: ``{s}`` subdomains become
    a wildcard; "" when tiles are off or the URL is not an absolute http(s) one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


MODULES_DIR = Path(__file__).resolve().parent / "static" / "frontend" / "js"


TEXT_MODULE = "texts-{lang}.js"  # each language's interface texts (i18n.js loads one)


# A static import between the app's modules: ``import {...} from "./x.js"`` or ``import "./x.js"``.
STATIC_IMPORT = re.compile(r"""^\s*import\b[^;'"]*?['"]\./([a-z0-9-]+\.js)['"]""", re.MULTILINE)


@cache
def module_imports(name: str) -> tuple[str, ...]:
    """The modules ``name`` (``"catalogue.js"``) imports statically, directly or not, itself
    first. Dynamic ``import()`` calls (the pages in main.js, the texts in i18n.js) are not
    followed: they are loaded when needed."""
    seen: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.append(current)
        todo += STATIC_IMPORT.findall((MODULES_DIR / current).read_text(encoding="utf-8"))
    return tuple(seen)


def _texts() -> set[str]:
    return {TEXT_MODULE.format(lang=lang) for lang in ("fr", "en")}


@cache
def module_urls() -> tuple[str, ...]:
    """Every ES module of the app but ``main.js`` and the texts of each language, by its
    (hashed) static URL: what the guide page's service worker keeps for the day offline."""
    return tuple(
        static(f"frontend/js/{path.name}")
        for path in sorted(MODULES_DIR.glob("*.js"))
        if path.name != "main.js" and path.name not in _texts()
    )


@cache
def page_module_urls() -> dict[str, str]:
    """Each page's module by its name (``"bookingpage"``) and hashed URL, the pages being those
    the routes of frontend/urls.py name: main.js imports the page of the route it opens from
    this list (the shell's ``va-pages``), so that a reader downloads the pages they open."""
    from frontend.urls import urlpatterns  # the routes import this module's views

    pages = {
        str(pattern.default_args["page"])
        for pattern in urlpatterns
        if "page" in getattr(pattern, "default_args", {})
    }
    return {page: static(f"frontend/js/{page}.js") for page in sorted(pages)}


@cache
def preload_urls(page: str) -> tuple[str, ...]:
    """What the shell names in ``<link rel="modulepreload">`` for a route: the modules main.js
    imports and those of the route's page (``page``, without ``.js``), by hashed URL.

    Otherwise the browser only finds a module once the one importing it has arrived and been
    parsed, a chain of round trips (three deep from ``main.js``) that a phone on a slow network
    pays before the first API call. The other pages' modules are not named: they are fetched
    when the reader opens them. Read once per process: the files only change with a release."""
    names = [*module_imports("main.js")[1:], *module_imports(f"{page}.js")]
    return tuple(static(f"frontend/js/{name}") for name in dict.fromkeys(names))


@cache
def text_module_urls() -> dict[str, str]:
    """Each language's texts by their hashed URL: the shell names them (``va-texts``) for
    i18n.js to load the reader's, and preloads the French ones, the default language."""
    return {lang: static(f"frontend/js/{TEXT_MODULE.format(lang=lang)}") for lang in ("fr", "en")}


@cache
def inline_css() -> tuple[str, str]:
    """The app's stylesheet and its CSP source (``'sha256-...'``), for a ``<style>`` in the shell.

    A ``<link rel="stylesheet">`` blocks the first paint for one more round trip, and on a phone
    that trip competes with the modules' downloads: Lighthouse counted 150 ms of render-blocking
    on every page. The stylesheet is small (12 KB, 3 KB gzipped) and has no ``url()``, so the
    shell carries it, allowed by its hash rather than by ``'unsafe-inline'``. The other pages
    (legal, sign-in, 404) still link it, with a far-future cache."""
    path = finders.find("frontend/app.css")
    assert isinstance(path, str), "frontend/app.css is missing"
    text = Path(path).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


def shell_csp() -> str:
    """The shell's CSP: its inline stylesheet by hash, and the tile server of ``MAP_TILE_URL``
    as the only other image origin."""
    csp = CSP.replace("style-src 'self'", f"style-src 'self' {inline_css()[1]}")
    origin = tile_origin(settings.MAP_TILE_URL)
    if origin:
        csp = csp.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")
    return csp


@require_GET
def shell(request: HttpRequest, page: str = "catalogue", **kwargs: object) -> HttpResponse:
    """The app's HTML for a client-side route; ``page`` is its page module (frontend/urls.py)."""
    current = terms.current_terms()
    context = {
        "terms_version": current.version,
        "terms_paths": {lang: page_path("terms", lang) for lang in LANGUAGES},
        "map_tile_url": settings.MAP_TILE_URL if tile_origin(settings.MAP_TILE_URL) else "",
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "open_data_licence": settings.OPEN_DATA_LICENCE_NAME,
        "open_data_licence_url": settings.OPEN_DATA_LICENCE_URL,
        "module_urls": preload_urls(page),
        "page_module_urls": page_module_urls(),
        "text_module_urls": text_module_urls(),
        "inline_css": inline_css()[0],
    }
    response = render(request, "frontend/index.html", context)
    response["Content-Security-Policy"] = shell_csp()
    response["Referrer-Policy"] = "no-referrer"  # booking pages carry their token in the URL
    # The same shell for every reader (the page's data comes from the API): "public" lets it be
    # gzipped (core/compression.py); "no-cache" has it revalidated, so a release shows at once.
    response["Cache-Control"] = "public, no-cache"
    return response


@cache
def service_worker_source() -> str:
    """The guide page's service worker (``frontend/sw.js``) with the static URLs it keeps.

    Its version is a hash of that list and of its own text, so a release whose modules changed
    (new hashed names) installs a new worker, which drops the old copies."""
    precache = [static("frontend/js/main.js"), *module_urls(), *text_module_urls().values()]
    text = render_to_string("frontend/sw.js", {"version": "", "precache": json.dumps(precache)})
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return render_to_string(
        "frontend/sw.js", {"version": version, "precache": json.dumps(precache)}
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: served from the site's root, where a worker may take any scope under ``/``;
    the guide page registers it for ``/guide/`` only. Revalidated at each check (``no-cache``)
    so that a release reaches the phones; the site's CSP governs the worker's own fetches."""
    response = HttpResponse(service_worker_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, no-cache"
    response["Content-Security-Policy"] = CSP
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404: a page with a way back for a reader's browser, problem+json for the rest.

    Only a request that asks for HTML outside the API gets the page (browsers send
    ``Accept: text/html``); API clients, scripts and webhooks keep the machine-readable answer.
    """
    accepts_html = "text/html" in request.headers.get("Accept", "")
    if request.path.startswith("/api/") or not accepts_html:
        return handler404(request, exception)
    response = render(request, "frontend/not_found.html", status=404)
    response["Content-Security-Policy"] = CSP
    return response
