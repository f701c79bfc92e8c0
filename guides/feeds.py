"""``GET /calendar/guides/<token>.ics``: a guide's private subscription feed.

The token is a capability: it never reaches a log (Django's request logger writes the path of
every 4xx, so those answers are marked as already logged), and the answer tells search engines
and referrers nothing. Clients poll: ETag and Last-Modified let them get a 304.

A feed of a thousand visits takes a few hundred milliseconds to build, and clients poll it
every hour, so the built feed is cached: its head (ETag, Last-Modified, version, validity) under
the hash of the token, its bytes under the guide and their ETag. The head holds the version of
the ``guide-feeds`` namespace read before the data was, which every write the feed shows bumps
(guides.receivers, and the guides services that write with ``QuerySet.update``); and the
moments between which the set of events is the one built: events only ever leave the feed as
time passes, when the earliest one ended more than ``PAST_EVENTS_KEPT`` ago. A poll whose ETag
still matches costs one cache round trip and no query.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _

from core.cache import VERSION_KEY, namespace_version
from core.problems import problem_response
from core.tokens import hash_token
from guides import calendar, selectors
from guides.models import Guide

CONTENT_TYPE = "text/calendar; charset=utf-8"
CACHE_SECONDS = 7 * 24 * 3600


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
    now = timezone.now()
    head_key = _head_key(token)
    head, version = _cached_head(head_key, now)
    body: bytes | None = None
    if head is not None:
        response = _conditional(request, head)
        if response is not None:
            return response
        body = cache.get(_body_key(head["guide"], head["etag"]))
    if head is None or body is None:
        # Nothing cached for this token, or the bytes were evicted: look it up and build.
        guide = selectors.guide_for_feed_token(token)
        if guide is None:
            return _refused(404, "not_found", _("Not found."))
        head, body = _build(guide, now, version, head_key)
        response = _conditional(request, head)
        if response is not None:
            return response
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    return _validators(response, head)


def _conditional(request: HttpRequest, head: dict[str, Any]) -> HttpResponse | None:
    """304 (or 412) when the client's validators match the feed, else None."""
    response = get_conditional_response(
        request, etag=head["etag"], last_modified=head["last_modified"]
    )
    return None if response is None else _validators(response, head)


def _validators(response: HttpResponse, head: dict[str, Any]) -> HttpResponse:
    response["ETag"] = head["etag"]
    response["Last-Modified"] = http_date(head["last_modified"])
    return _private(response)


def _head_key(token: str) -> str:
    """The head is found from the token's hash, as the guide is: a poll whose ETag matches needs
    no database. Every change to a guide (token rotated, deactivated) bumps the namespace, so a
    head never outlives the token that stored it."""
    # What changes the bytes without a write: the code and the settings the feed reads.
    setup = f"{calendar.LAYOUT_VERSION}|{settings.SITE_URL}|{settings.LANGUAGE_CODE}|"
    setup += settings.TIME_ZONE
    digest = hash_token(token[: selectors.MAX_TOKEN_LENGTH])
    return f"guides:feed:{digest}:{hashlib.sha256(setup.encode()).hexdigest()[:16]}"


def _body_key(guide_id: int, etag: str) -> str:
    return f"guides:feed-body:{guide_id}:{etag.strip(chr(34))}"


def _cached_head(head_key: str, now: datetime) -> tuple[dict[str, Any] | None, int]:
    """The cached head if it still describes the feed at ``now``, and the namespace's version
    (one cache round trip)."""
    version_key = VERSION_KEY.format(calendar.FEED_NAMESPACE)
    found = cache.get_many([version_key, head_key])
    version = found.get(version_key)
    if version is None:
        return None, namespace_version(calendar.FEED_NAMESPACE)
    head: dict[str, Any] | None = found.get(head_key)
    if head is None or head["version"] != version:
        return None, int(version)
    built_at, valid_until = head["built_at"], head["valid_until"]
    if now.timestamp() < built_at or (valid_until is not None and now.timestamp() > valid_until):
        return None, int(version)
    return head, int(version)


def _build(
    guide: Guide, now: datetime, version: int, head_key: str
) -> tuple[dict[str, Any], bytes]:
    """Build the feed, cache it under ``version`` (read before the data), answer head and bytes."""
    assignments = selectors.feed_assignments(guide=guide, now=now)
    feed = calendar.guide_feed(guide=guide, assignments=assignments)
    etag = f'"{hashlib.sha256(feed.body).hexdigest()[:40]}"'
    # The set of events stays the one built until its earliest event drops out of the window.
    earliest = min((a.departure.ends_at for a in assignments), default=None)
    head = {
        "version": version,
        "guide": guide.pk,
        "etag": etag,
        "last_modified": int(feed.last_modified.timestamp()),
        "built_at": now.timestamp(),
        "valid_until": None
        if earliest is None
        else (earliest + selectors.PAST_EVENTS_KEPT).timestamp(),
    }
    cache.set(_body_key(guide.pk, etag), feed.body, CACHE_SECONDS)
    cache.set(head_key, head, CACHE_SECONDS)
    return head, feed.body
