"""``/healthz``: is the database reachable, and Redis when it is configured.

Higher apps add the state of optional outside services through ``health_reports`` (e.g. the
Chorus Pro channel): reported under ``channels``, they never make the whole site unhealthy.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.extensions import ExtensionPoint

# A contribution returns {name: "ok" | "error: ..." | another state}, or {} when not configured.
HealthReport = Callable[[], dict[str, str]]
health_reports = ExtensionPoint[HealthReport]("core.health_reports")


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy"; the detail is logged below
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_redis() -> str:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    healthy = all(value == "ok" for value in checks.values())
    answer: dict[str, object] = {"status": "ok" if healthy else "unavailable", "checks": checks}
    channels: dict[str, str] = {}
    for report in health_reports:
        channels.update(report())
    if channels:
        answer["channels"] = channels
    return JsonResponse(answer, status=200 if healthy else 503)
