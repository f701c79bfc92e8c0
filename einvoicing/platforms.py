"""Accredited platforms (PA, the 2026 reform): the adapters that carry the seller's invoices.

``einvoicing.channels.AccreditedPlatform`` is the interface. One adapter exists,
``AfnorFlowPlatform``: a PA serving the **AFNOR XP Z12-013 "Flow Service" API** (the French
standard interface of accredited platforms; its OpenAPI is the standard's Annex A):

- ``POST {PA_FLOW_API_URL}/v1/flows``, multipart: ``flowInfo`` (JSON: ``trackingId`` = our
  invoice number, ``name`` = the file name, ``flowSyntax`` ``Factur-X``, ``flowProfile``
  ``EN16931``, ``sha256`` of the file) and ``file`` (the Factur-X PDF/A-3); the answer carries
  the platform's ``flowId``;
- ``GET {PA_FLOW_API_URL}/v1/flows/{flowId}`` (metadata): ``acknowledgement.status``
  ``Pending``, ``Ok`` or ``Error``, with ``details[].reasonMessage`` for an error;
- ``Authorization: Bearer <PA_FLOW_API_TOKEN>`` (RFC 6750; the standard leaves how the key is
  obtained to each platform).

Field names come from a client generated from that OpenAPI (docs/einvoicing.md, "Sources"); it
was not run against a real platform. The acknowledgement says whether the platform took the
flow; the invoice's later life (approved, refused by the buyer, paid) travels as lifecycle
flows (CDAR), which this adapter does not read (docs/einvoicing.md, "Not done").

Which adapter: the seller's ``PlatformSettings`` (issues through a PA, and its ``adapter``),
then the adapter's own settings. ``platform_active()`` is None, and ``platform_problem()`` says
why, when any is missing: then deliveries go as before (Chorus Pro or e-mail).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache

from einvoicing.channels import AccreditedPlatform, PlatformStatus
from einvoicing.models import DeliveryStatus, PlatformAdapter, PlatformSettings

STATE_KEY = "einvoicing:platform:last-state"


class PlatformError(Exception):
    """Something went wrong talking to the accredited platform."""


class PlatformUnavailable(PlatformError):
    """No answer, too slow, throttled (429) or failing (5xx): retry later."""


class PlatformBadCredentials(PlatformError):
    """The platform refused the API key (401, 403)."""


class PlatformRefused(PlatformError):
    """The platform refused the request itself (another 4xx); ``reason`` is its words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# The Flow Service's acknowledgement and ours. ``Ok``: the platform took the invoice and makes
# it available to the buyer's platform.
ACK_STATUSES = {
    "Pending": DeliveryStatus.DEPOSITED,
    "Ok": DeliveryStatus.MADE_AVAILABLE,
    "Error": DeliveryStatus.REJECTED,
}


def _note_state(state: str) -> None:
    cache.set(STATE_KEY, state, timeout=None)


def last_state() -> str | None:
    value = cache.get(STATE_KEY)
    return str(value) if value is not None else None


@dataclass(frozen=True)
class AfnorFlowPlatform:
    """An accredited platform speaking the AFNOR XP Z12-013 Flow Service API."""

    api_url: str
    token: str = field(repr=False)
    timeout: float = 20.0

    @classmethod
    def from_settings(cls) -> AfnorFlowPlatform | None:
        if not (settings.PA_FLOW_API_URL and settings.PA_FLOW_API_TOKEN):
            return None
        return cls(
            api_url=settings.PA_FLOW_API_URL.rstrip("/"),
            token=settings.PA_FLOW_API_TOKEN,
            timeout=settings.PA_FLOW_TIMEOUT_SECONDS,
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = requests.request(
                method,
                self.api_url + path,
                headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
                timeout=self.timeout,
                **kwargs,
            )
        except requests.RequestException as exc:
            _note_state("error: unavailable")
            raise PlatformUnavailable(f"platform unreachable ({type(exc).__name__})") from None
        if response.status_code in (401, 403):
            _note_state("error: bad credentials")
            raise PlatformBadCredentials(f"platform refused the API key ({response.status_code})")
        if response.status_code == 429 or response.status_code >= 500:
            _note_state("error: unavailable")
            raise PlatformUnavailable(f"platform answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            _note_state("ok")  # it answered: the request itself was refused
            raise PlatformRefused(_reason(body) or f"refused ({response.status_code})")
        _note_state("ok")
        return body if isinstance(body, dict) else {}

    def send(self, *, invoice_number: str, buyer_siren: str, pdf: bytes) -> str:
        name = f"{invoice_number}.pdf"
        info = {
            "trackingId": invoice_number,
            "name": name,
            "flowSyntax": "Factur-X",
            "flowProfile": "EN16931",
            "sha256": hashlib.sha256(pdf).hexdigest(),
        }
        body = self._call(
            "POST",
            "/v1/flows",
            files={
                "flowInfo": (None, json.dumps(info), "application/json"),
                "file": (name, pdf, "application/pdf"),
            },
        )
        flow_id = str(body.get("flowId") or "")
        if not flow_id:
            raise PlatformUnavailable("platform answered without a flowId")
        return flow_id

    def status(self, platform_id: str) -> PlatformStatus:
        body = self._call("GET", f"/v1/flows/{platform_id}", params={"docType": "Metadata"})
        acknowledgement = body.get("acknowledgement") or {}
        return PlatformStatus(
            status=str(acknowledgement.get("status") or ""), reason=_reason(acknowledgement)
        )


def _reason(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    details = body.get("details") or body.get("errors") or []
    messages = [str(d.get("reasonMessage") or d.get("message") or "") for d in details if d]
    return "; ".join(m for m in messages if m) or str(body.get("message") or "")


# Adapters by ``PlatformSettings.adapter``: each builds itself from its settings (None: not
# configured). A new PA's adapter is one more entry (and a ``PlatformAdapter`` value).
ADAPTERS = {
    PlatformAdapter.AFNOR_FLOW: AfnorFlowPlatform.from_settings,
}


def _settings() -> PlatformSettings | None:
    return PlatformSettings.objects.filter(pk=1).first()


def platform_active() -> AccreditedPlatform | None:
    """The adapter of the seller's issuing platform, when the seller issues through a PA, has
    named the adapter its PA speaks and that adapter's settings are present; else None."""
    row = _settings()
    if row is None or not row.issues_through_platform or not row.adapter:
        return None
    factory = ADAPTERS.get(PlatformAdapter(row.adapter))
    return factory() if factory is not None else None


def platform_problem(row: PlatformSettings | None = None) -> str:
    """Why the seller's chosen PA carries no invoice ("" when it does, or none is chosen)."""
    row = row if row is not None else _settings()
    if row is None or not row.issues_through_platform:
        return ""
    if not row.adapter:
        return f"no adapter for {row.issuing_platform}"
    factory = ADAPTERS.get(PlatformAdapter(row.adapter))
    if factory is None or factory() is None:
        return f"adapter {row.adapter} not configured"
    return ""
