"""The web app's single HTML shell; the ES modules route on the client and call the public API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

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


@require_GET
def shell(request: HttpRequest, **kwargs: object) -> HttpResponse:
    response = render(request, "frontend/index.html")
    response["Content-Security-Policy"] = CSP
    response["Referrer-Policy"] = "no-referrer"  # booking pages carry their token in the URL
    response["Cache-Control"] = "no-cache"
    return response
