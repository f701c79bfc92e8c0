"""Is this SIRET a structure in Chorus Pro, and what does it require on an invoice?

``public_buyer_lookup`` asks the portal (search by SIRET, the structure's details, its services)
and caches the answer (``CHORUS_PRO_LOOKUP_CACHE_SECONDS``). It never raises for the portal's
faults: unreachable, throttling, refused credentials or a refused request give an answer whose
status is ``unknown`` with the reason, cached only briefly (``OUTAGE_MEMO_SECONDS``) so that a
burst of bookings during an outage does not wait for the portal's timeout one after another.
With the channel off the answer is ``unknown`` (``not_configured``) and the portal is not asked.

The lookup runs inside a request (the booking form, ``POST /bookings/``): its calls use the
shorter ``CHORUS_PRO_LOOKUP_TIMEOUT_SECONDS``, never the deposit's timeout.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from einvoicing.chorus_pro import (
    ChorusProBadCredentials,
    ChorusProClient,
    ChorusProConfig,
    ChorusProError,
    ChorusProRefused,
)

logger = logging.getLogger(__name__)

REGISTERED = "registered"  # Chorus Pro knows the SIRET: invoices go there
NOT_REGISTERED = "not_registered"  # Chorus Pro answered: no structure with this SIRET
UNKNOWN = "unknown"  # nobody could say (channel off, portal unreachable)

# Why the answer is unknown.
NOT_CONFIGURED = "not_configured"
UNAVAILABLE = "unavailable"
BAD_CREDENTIALS = "bad_credentials"
REFUSED = "refused"

OUTAGE_MEMO_SECONDS = 60
CACHE_PREFIX = "einvoicing:public-buyer:v1:"


@dataclass(frozen=True)
class BuyerService:
    code: str
    name: str


@dataclass(frozen=True)
class PublicBuyer:
    siret: str
    status: str  # REGISTERED, NOT_REGISTERED or UNKNOWN
    name: str = ""
    # None when nobody could say (unknown, or not registered).
    service_code_required: bool | None = None
    commitment_number_required: bool | None = None
    services: tuple[BuyerService, ...] = ()  # the active services only
    unknown_reason: str = ""

    @property
    def registered(self) -> bool:
        return self.status == REGISTERED

    def as_cached(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_cached(cls, data: dict[str, Any]) -> PublicBuyer:
        services = tuple(BuyerService(**row) for row in data.get("services") or ())
        return cls(**{**data, "services": services})


def _cache_key(siret: str) -> str:
    return CACHE_PREFIX + siret


def _ask_portal(client: ChorusProClient, siret: str) -> PublicBuyer:
    structure = client.structure_search(siret)
    if structure is None:
        return PublicBuyer(siret=siret, status=NOT_REGISTERED)
    details = client.structure_details(structure.id_cpp)
    services = tuple(
        BuyerService(code=s.code, name=s.name)
        for s in client.structure_services(structure.id_cpp)
        if s.active and s.code
    )
    return PublicBuyer(
        siret=siret,
        status=REGISTERED,
        name=details.name or structure.name,
        service_code_required=details.service_code_required,
        commitment_number_required=details.commitment_number_required,
        services=services,
    )


def public_buyer_lookup(siret: str) -> PublicBuyer:
    """What Chorus Pro says of ``siret`` (already validated), from the cache when it can.

    Makes up to three calls to the portal on a miss; none while a transaction is expected to
    be open (callers: the lookup endpoint, the booking's placement check)."""
    config = ChorusProConfig.from_settings()
    if config is None:
        return PublicBuyer(siret=siret, status=UNKNOWN, unknown_reason=NOT_CONFIGURED)
    cached = cache.get(_cache_key(siret))
    if isinstance(cached, dict):
        return PublicBuyer.from_cached(cached)
    timeout = min(config.timeout, settings.CHORUS_PRO_LOOKUP_TIMEOUT_SECONDS)
    client = ChorusProClient(dataclasses.replace(config, timeout=timeout))
    try:
        answer = _ask_portal(client, siret)
    except ChorusProError as exc:
        reason = (
            BAD_CREDENTIALS
            if isinstance(exc, ChorusProBadCredentials)
            else REFUSED
            if isinstance(exc, ChorusProRefused)
            else UNAVAILABLE
        )
        logger.warning("Chorus Pro lookup of a structure failed: %s", exc)
        answer = PublicBuyer(siret=siret, status=UNKNOWN, unknown_reason=reason)
        cache.set(_cache_key(siret), answer.as_cached(), timeout=OUTAGE_MEMO_SECONDS)
        return answer
    cache.set(
        _cache_key(siret), answer.as_cached(), timeout=settings.CHORUS_PRO_LOOKUP_CACHE_SECONDS
    )
    return answer


def public_buyer_forget(siret: str) -> None:
    """Drop the cached answer (a structure that changed its requirements)."""
    cache.delete(_cache_key(siret))
