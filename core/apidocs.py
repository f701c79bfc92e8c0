"""The API's documentation pages, served with local assets only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularRedocView
from rest_framework.request import Request
from rest_framework.response import Response


class LocalRedocView(SpectacularRedocView):
    """ReDoc from the local sidecar bundle, loading nothing from another host.

    The template drops the upstream page's Google Fonts; the bundle itself still draws a
    "Redocly" logo from its CDN in the side menu, which the Content-Security-Policy refuses
    (ReDoc hides the image when it fails). Styles are inline (styled-components) and the search
    runs in a worker made from a blob, hence those two allowances.
    """

    template_name = "core/redoc.html"
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; script-src 'self' blob:; worker-src 'self' blob:; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = self.CONTENT_SECURITY_POLICY
        return response
