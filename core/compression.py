"""Gzip for the answers that are the same for every reader, and only those.

A phone on a slow network pays for every uncompressed byte: Lighthouse counted 11 KB on the app's
HTML shell and 22 KB of catalogue JSON on an itinerary's page. Compressing a response that holds a
secret next to text an attacker can reflect into it leaks the secret through the compressed size
(BREACH), so this compresses only responses marked ``Cache-Control: public``, which by that mark
carry nothing particular to one reader: the shell, the cached catalogue (``core.cache``). Booking
answers, tokens, sessions and forms stay as they are. Static files never reach it: whitenoise,
earlier in ``MIDDLEWARE``, serves their precompressed copies itself.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware


def is_public(response: HttpResponseBase) -> bool:
    directives = response.get("Cache-Control", "").split(",")
    return "public" in (d.strip().lower() for d in directives) and not response.cookies


class PublicGZipMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not is_public(response):
            return response
        return super().process_response(request, response)
