"""The web app's single HTML shell; the ES modules route on the client and call the public API."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from bookings import terms
from core.problems import handler404
from legal.pages import LANGUAGES, page_path

# Every page of the app: the catalogue, an itinerary, a booking, the guide's page.
CSP = "; ".join(
    [
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
)


MODULES_DIR = Path(__file__).resolve().parent / "static" / "frontend" / "js"


@cache
def module_urls() -> tuple[str, ...]:
    """Every ES module of the app but ``main.js``, by its (hashed) static URL.

    The shell names them all in ``<link rel="modulepreload">``: otherwise the browser only finds
    a module once the one importing it has arrived and been parsed, a chain of round trips (three
    deep from ``main.js``) that a phone on a slow network pays before the first API call. Read
    once per process: the files and their hashed names only change with a release."""
    return tuple(
        static(f"frontend/js/{path.name}")
        for path in sorted(MODULES_DIR.glob("*.js"))
        if path.name != "main.js"
    )


@require_GET
def shell(request: HttpRequest, **kwargs: object) -> HttpResponse:
    current = terms.current_terms()
    context = {
        "terms_version": current.version,
        "terms_paths": {lang: page_path("terms", lang) for lang in LANGUAGES},
        "module_urls": module_urls(),
    }
    response = render(request, "frontend/index.html", context)
    response["Content-Security-Policy"] = CSP
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
