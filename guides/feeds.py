"""``GET /calendar/guides/<token>.ics``: a guide's private subscription feed.

The token is a capability: it never reaches a log (Django's request logger writes the path of
every 4xx, so those answers are marked as already logged), and the answer tells search engines
and referrers nothing. Clients poll: ETag and Last-Modified let them get a 304.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _

from core.problems import problem_response
from guides import calendar, selectors

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _refused(status: int, code: str, message: str) -> JsonResponse:
    response = problem_response(status, code, message)
    # Django logs "Not Found: <path>" for every 4xx; the path holds the token.
    response._has_been_logged = True  # type: ignore[attr-defined]
    _private(response)
    return response


def guide_feed(request: HttpRequest, token: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        refused = _refused(405, "method_not_allowed", _("Method not allowed."))
        refused["Allow"] = "GET, HEAD"
        return refused
    guide = selectors.guide_for_feed_token(token)
    if guide is None:
        return _refused(404, "not_found", _("Not found."))
    feed = calendar.guide_feed(
        guide=guide, assignments=selectors.feed_assignments(guide=guide, now=timezone.now())
    )
    etag = f'"{hashlib.sha256(feed.body).hexdigest()[:40]}"'
    last_modified = int(feed.last_modified.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = HttpResponse(feed.body, content_type=CONTENT_TYPE)
        response["Content-Disposition"] = 'inline; filename="visits.ics"'
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    return _private(response)
