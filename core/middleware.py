"""Middleware with no domain knowledge."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.problems import problem_response

BODY_TOO_LARGE = "body_too_large"


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``MAX_REQUEST_BODY_BYTES`` with 413, before any view reads them.

    The declared Content-Length is checked first; a body sent without one (chunked) is read up to
    the limit plus one byte so that a lying client cannot stream an unbounded body into memory.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.MAX_REQUEST_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(400, "invalid_content_length", _("Invalid Content-Length."))
        if declared > limit:
            return self._too_large(limit)
        return self.get_response(request)

    @staticmethod
    def _too_large(limit: int) -> HttpResponse:
        return problem_response(
            413,
            BODY_TOO_LARGE,
            _("The request body is larger than %(limit)d bytes.") % {"limit": limit},
        )
