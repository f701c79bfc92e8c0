"""Who the client is: the one rule for the sign-in lockout, the throttles and idempotency.

Behind ``NUM_PROXIES`` trusted reverse proxies (``REST_FRAMEWORK["NUM_PROXIES"]``, from the
``NUM_PROXIES`` environment variable), ``REMOTE_ADDR`` is the nearest proxy's address, shared by
every client: counting it would let one client lock everyone out, or be replayed another's
answer. Each trusted proxy appends the address it received the request from to
``X-Forwarded-For``, so the client is the entry ``NUM_PROXIES`` places from the end; anything
before it is the client's own say and is never trusted. Without a proxy (``NUM_PROXIES=0``) the
header is ignored and ``REMOTE_ADDR`` is the client.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest
from rest_framework.settings import api_settings

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def client_address(request: HttpRequest) -> str:
    """The client's IP address as the trusted proxies report it; ``REMOTE_ADDR`` otherwise.

    An entry that is not an IP address (a proxy that is not there, or set up otherwise) falls
    back to ``REMOTE_ADDR`` rather than letting free text into the lockout's address column.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(api_settings.NUM_PROXIES or 0)
    forwarded = request.META.get(FORWARDED_FOR)
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in str(forwarded).split(",")]
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
