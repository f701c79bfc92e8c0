"""OpenAPI post-processing: every operation documents its RFC 9457 problem answers. And the
browsable docs page, with its Content-Security-Policy."""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "code", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "code", "errors"],
    "additionalProperties": True,
}

STATUS_TEXT = {
    "400": "Invalid input",
    "401": "Authentication required",
    "403": "Not allowed",
    "404": "Not found",
    "405": "Method not allowed",
    "409": "Conflict with the current state",
    "413": "Body too large",
    "415": "Unsupported media type",
    "422": "Idempotency-Key reused for another request",
    "429": "Too many requests",
    "503": "A service it depends on is unavailable; retry later",
}


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: a ``Problem`` component and the error answers of each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, text in STATUS_TEXT.items():
                responses.setdefault(
                    status,
                    {
                        "description": text,
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
    return result


# The browsable docs (/api/docs/): Swagger UI's files and its start script are served from this
# site (the split view loads the script from ``?script`` instead of inlining it), so no script
# may come from anywhere else. Its stylesheet sets a few inline styles, hence 'unsafe-inline'
# for styles only.
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with a Content-Security-Policy and no inline script."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response
