"""One default throttle per client: the user's rate when signed in, the address's otherwise.

DRF's AnonRateThrottle and UserRateThrottle together cost four cache round trips a request;
this one costs two, with the same two rates (``anon``, ``user``).

Both throttles here tell anonymous clients apart by ``core.clients.client_address``, the rule
the sign-in lockout and the idempotency scope use too.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from core.clients import client_address


class ClientRateThrottle(SimpleRateThrottle):
    scope = "anon"

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = "user" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_ident(self, request: Request) -> str:
        return client_address(request)


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's per-view scoped throttle, counting clients by the same rule as the default one."""

    def get_ident(self, request: Request) -> str:
        return client_address(request)
