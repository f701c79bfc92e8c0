"""The web app's single HTML shell; the ES modules route on the client and call the public API."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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


def shell_csp() -> str:
    """The shell's CSP: the tile server of ``MAP_TILE_URL`` is the only other image origin."""
    origin = tile_origin(settings.MAP_TILE_URL)
    if not origin:
        return CSP
    return CSP.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")


@require_GET
def shell(request: HttpRequest, **kwargs: object) -> HttpResponse:
    current = terms.current_terms()
    context = {
        "terms_version": current.version,
        "terms_paths": {lang: page_path("terms", lang) for lang in LANGUAGES},
        "map_tile_url": settings.MAP_TILE_URL if tile_origin(settings.MAP_TILE_URL) else "",
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "open_data_licence": settings.OPEN_DATA_LICENCE_NAME,
        "open_data_licence_url": settings.OPEN_DATA_LICENCE_URL,
    }
    response = render(request, "frontend/index.html", context)
    response["Content-Security-Policy"] = shell_csp()
    response["Referrer-Policy"] = "no-referrer"  # booking pages carry their token in the URL
    response["Cache-Control"] = "no-cache"
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
