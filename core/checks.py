"""System checks that refuse an unsafe production configuration."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

E001 = "core.E001"
E002 = "core.E002"
E003 = "core.E003"
PER_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache",)


@register(Tags.security, deploy=False)
def production_secrets_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, a real SECRET_KEY and an explicit ALLOWED_HOSTS are required."""
    if settings.DEBUG:
        return []
    errors: list[CheckMessage] = []
    key = settings.SECRET_KEY
    if not key or key == settings.INSECURE_SECRET_KEY or len(key) < 40:
        errors.append(
            Error(
                "DEBUG is off but SECRET_KEY is missing, the development key, or shorter than 40 "
                "characters.",
                hint="Set SECRET_KEY in the environment to a long random value.",
                id=E001,
            )
        )
    hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("testserver",)]
    if not hosts or "*" in hosts:
        errors.append(
            Error(
                "DEBUG is off but ALLOWED_HOSTS is empty or a wildcard.",
                hint="Set ALLOWED_HOSTS to the host names the site is served under.",
                id=E002,
            )
        )
    return errors


@register(Tags.caches, deploy=False)
def shared_cache_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, the cache must be shared by every process that serves.

    Production runs several gunicorn workers (and may run several containers). A per-process
    cache gives each its own copy of the cached catalogue, seats left and throttle counters,
    invalidated only in the process that wrote: after a cancellation the others keep showing the
    old ``seats_left``. Nothing in the process can tell how many siblings it has, so the
    per-process cache is refused outright; ``migrate`` runs the checks, and ``web`` starts only
    after it succeeded.
    """
    if settings.DEBUG:
        return []
    errors: list[CheckMessage] = []
    for alias, config in settings.CACHES.items():
        if config.get("BACKEND") in PER_PROCESS_CACHES:
            errors.append(
                Error(
                    f"DEBUG is off but the cache {alias!r} is per process ({config['BACKEND']}): "
                    "each web process would serve its own stale seats and counters.",
                    hint="Set REDIS_URL, so that every process shares one cache.",
                    id=E003,
                )
            )
    return errors


# --- SITE_URL over HTTPS (issue 13, item 18) -----------------------------------------------
E_SITE_URL_NOT_HTTPS = "core.E010"


@register(Tags.security, deploy=False)
def site_url_https_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, SITE_URL must be https: every token link (booking pages, programme,
    calendar, the guide's feed) is built from it, and would otherwise travel in clear.

    ``SECURE_COOKIES=0`` (session cookies over plain HTTP) is the documented way to try a
    ``DEBUG=0`` set-up over HTTP on a workstation; it lifts this check too."""
    if settings.DEBUG or not settings.SESSION_COOKIE_SECURE:
        return []
    if urlsplit(settings.SITE_URL).scheme == "https":
        return []
    return [
        Error(
            f"DEBUG is off but SITE_URL ({settings.SITE_URL!r}) is not an https:// URL.",
            hint="Set SITE_URL to the public https:// address the site is served under.",
            id=E_SITE_URL_NOT_HTTPS,
        )
    ]
