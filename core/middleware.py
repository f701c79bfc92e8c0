"""Middleware with no domain knowledge."""

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.logging import request_id_var
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
        # Staff upload documents through the admin (resources): a larger cap on those paths only;
        # Django streams large multipart files to disk, not to memory.
        if request.path.startswith(tuple(settings.UPLOAD_PATH_PREFIXES)):
            limit = settings.MAX_UPLOAD_BODY_BYTES
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


REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives every request an id (the proxy's ``X-Request-ID`` when it is well-formed), puts it
    in every log line of the request and answers it back, so that a report can be traced."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


NUL_BYTE = "nul_byte"


class RejectNulBytesMiddleware:
    """Refuse a NUL byte in the path (404), the query string or a header (400).

    PostgreSQL text cannot hold NUL: without this, a token or a cookie carrying one would reach
    a query and fail there as a server error. (JSON bodies are checked by the serializers.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if "\x00" in request.path:
            # No resource is named with a NUL: the same 404 as any unknown address (a token
            # in a capability URL included, so that nothing tells a malformed one apart).
            return problem_response(404, "not_found", _("Not found."))
        headers = [v for k, v in meta.items() if k.startswith("HTTP_") and isinstance(v, str)]
        if "%00" in meta.get("QUERY_STRING", "") or any("\x00" in v for v in headers):
            return problem_response(400, NUL_BYTE, _("The request contains a NUL byte."))
        return self.get_response(request)
