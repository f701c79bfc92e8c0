"""Versioned response caching for public reads (Redis in production, local memory otherwise).

A namespace ("catalogue", "availability") has a version number in the cache; every cached answer
is stored with the versions it was produced under, and a write that affects the namespace bumps
the version (at once, and again once its transaction commits), so that no reader can keep the
old data after the bump. Bumping instead of deleting keys costs one write whatever the number of
cached pages.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

VERSION_KEY = "cache-version:{}"


def _fresh_start() -> int:
    """A version number never handed out before: a version key that was evicted must not start
    again from a number under which answers of the past may still be cached."""
    return time.time_ns() // 1000


def namespace_version(namespace: str) -> int:
    key = VERSION_KEY.format(namespace)
    version = cache.get(key)
    if version is None:
        start = _fresh_start()
        cache.add(key, start, timeout=None)
        version = cache.get(key, start)
    return int(version)


def _incr(namespace: str) -> None:
    key = VERSION_KEY.format(namespace)
    try:
        cache.incr(key)
    except ValueError:  # not there yet (or evicted): a number never used invalidates
        cache.set(key, _fresh_start(), timeout=None)


def bump(*namespaces: str) -> None:
    """Invalidate the namespaces now, and again once the current transaction commits.

    The first bump makes the writer's own later reads fresh; the second one drops whatever a
    concurrent reader cached from the database between the first bump and the commit.
    """
    for namespace in namespaces:
        _incr(namespace)
    bump_after_commit(*namespaces)


def bump_after_commit(*namespaces: str) -> None:
    """Invalidate the namespaces once the current transaction commits, and only then: for a
    write that nothing in its own transaction reads back through the cache (a new booking), so
    that no cache round trip is spent while its locks are held."""

    def after_commit() -> None:
        for namespace in namespaces:
            _incr(namespace)

    transaction.on_commit(after_commit)


def cached_read(
    request: Request,
    namespaces: tuple[str, ...],
    produce: Callable[[], Response],
    timeout: int = 300,
) -> Response | HttpResponse:
    """A DRF read's data cached for anonymous clients, with an ETag and 304 answers.

    The key holds the language and the full path with its query; the entry holds the versions of
    the namespaces it was produced under, read before the data was. A hit is one cache round
    trip (the versions and the entry together); an entry whose versions are not the current
    ones is produced again. Authenticated requests are never cached (staff may see drafts).
    """
    if request.user.is_authenticated:
        return produce()
    version_keys = [VERSION_KEY.format(namespace) for namespace in namespaces]
    raw = f"{translation.get_language()}|{request.get_full_path()}"
    key = "answer:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get_many([*version_keys, key])
    versions = [found.get(version_key) for version_key in version_keys]
    hit = found.get(key)
    if hit is not None and None not in versions and hit[0] == versions:
        _versions, body, etag = hit
    else:
        if None in versions:
            versions = [namespace_version(namespace) for namespace in namespaces]
        response = produce()
        if response.status_code != 200:
            return response
        # The rendered bytes are cached, so that a hit costs no serialisation at all.
        body = JSONRenderer().render(response.data)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        cache.set(key, (versions, body, etag), timeout)
    if etag in request.headers.get("If-None-Match", ""):
        answer = HttpResponse(status=304)
    else:
        answer = HttpResponse(body, content_type="application/json")
    answer["ETag"] = etag
    answer["Cache-Control"] = "public, max-age=0, must-revalidate"
    answer["Vary"] = "Accept-Language"
    return answer


class CachedReadMixin:
    """Caches ``list`` and ``retrieve`` of a DRF viewset under ``cache_namespaces``."""

    cache_namespaces: tuple[str, ...] = ("catalogue",)

    # Typed Any: the answer is DRF's Response on a miss and a plain HttpResponse on a hit.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        parent = super().list  # type: ignore[misc]
        return cached_read(request, self.cache_namespaces, lambda: parent(request, *args, **kwargs))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        parent = super().retrieve  # type: ignore[misc]
        return cached_read(request, self.cache_namespaces, lambda: parent(request, *args, **kwargs))


def cached_bytes(
    request: HttpRequest,
    namespaces: tuple[str, ...],
    produce: Callable[[], bytes],
    content_type: str,
    timeout: int = 300,
) -> HttpResponse:
    """A file-like public answer (GeoJSON, CSV) cached under ``namespaces`` with a strong ETag
    and 304 answers, for every client: unlike ``cached_read`` it serves the same bytes to staff
    and anonymous readers, so it is only for answers that never depend on who asks."""
    version_keys = [VERSION_KEY.format(namespace) for namespace in namespaces]
    key = "file:" + hashlib.sha256(request.path.encode()).hexdigest()
    found = cache.get_many([*version_keys, key])
    versions = [found.get(version_key) for version_key in version_keys]
    hit = found.get(key)
    if hit is not None and None not in versions and hit[0] == versions:
        _versions, body, etag = hit
    else:
        if None in versions:
            versions = [namespace_version(namespace) for namespace in namespaces]
        body = produce()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        cache.set(key, (versions, body, etag), timeout)
    if etag in request.headers.get("If-None-Match", ""):
        answer = HttpResponse(status=304)
    else:
        answer = HttpResponse(body, content_type=content_type)
    answer["ETag"] = etag
    answer["Cache-Control"] = "public, max-age=0, must-revalidate"
    return answer
