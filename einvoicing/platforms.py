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
- ``POST {PA_FLOW_API_URL}/v1/flows/search`` (JSON ``{"limit", "where": {...}}``, the
  standard's ``SearchFlowParams``; the answer's ``results`` are flows): by ``trackingId``, to
  find an invoice whose submission's answer was lost (``find``); by ``flowType``
  ``CustomerInvoiceLC`` and ``updatedAfter``, to read the lifecycle flows of the seller's
  invoices (``lifecycle``), each downloaded with ``GET /v1/flows/{flowId}?docType=Original``:
  a CDAR message (UN/CEFACT D22B) naming the invoice and its status code (XP Z12-012: 200
  deposited ... 205 approved, 208 suspended, 210 refused, 211 payment transmitted, 212
  collected, 213 rejected);
- ``Authorization: Bearer <PA_FLOW_API_TOKEN>`` (RFC 6750; the standard leaves how the key is
  obtained to each platform).

Field names come from a client generated from that OpenAPI (docs/einvoicing.md, "Sources"); it
was not run against a real platform.

Which adapter: the seller's ``PlatformSettings`` (issues through a PA, and its ``adapter``),
then the adapter's own settings. ``platform_active()`` is None, and ``platform_problem()`` says
why, when any is missing: then deliveries go as before (Chorus Pro or e-mail).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import requests
from defusedxml import ElementTree
from django.conf import settings
from django.core.cache import cache

from einvoicing.channels import AccreditedPlatform, LifecycleEvent, PlatformStatus
from einvoicing.models import DeliveryStatus, PlatformAdapter, PlatformSettings

logger = logging.getLogger(__name__)

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


# The lifecycle statuses of the reform (XP Z12-012, carried by CDAR messages) and ours, the same
# words as Chorus Pro's (einvoicing.services.PORTAL_STATUSES). 211 "paiement transmis" (the
# buyer says it paid) is paid, as Chorus Pro's MISE_EN_PAIEMENT; 212 "encaissée" is the seller's
# own status, paid too should the platform echo it. Refused (210), rejected (213) and
# inadmissible (501) are rejected. Paid and rejected are final: followed no more.
LIFECYCLE_STATUSES = {
    "200": DeliveryStatus.DEPOSITED,  # déposée
    "201": DeliveryStatus.DEPOSITED,  # émise par la plateforme
    "202": DeliveryStatus.MADE_AVAILABLE,  # reçue par la plateforme (the buyer's)
    "203": DeliveryStatus.MADE_AVAILABLE,  # mise à disposition
    "204": DeliveryStatus.MADE_AVAILABLE,  # prise en charge
    "205": DeliveryStatus.SERVICE_CERTIFIED,  # approuvée
    "206": DeliveryStatus.SERVICE_CERTIFIED,  # approuvée partiellement (its reason says what)
    "207": DeliveryStatus.SUSPENDED,  # en litige
    "208": DeliveryStatus.SUSPENDED,  # suspendue
    "209": DeliveryStatus.MADE_AVAILABLE,  # complétée (back to the buyer)
    "210": DeliveryStatus.REJECTED,  # refusée
    "211": DeliveryStatus.PAID,  # paiement transmis
    "212": DeliveryStatus.PAID,  # encaissée
    "213": DeliveryStatus.REJECTED,  # rejetée
    "501": DeliveryStatus.REJECTED,  # irrecevable
}
LIFECYCLE_FLOW_TYPE = "CustomerInvoiceLC"
SEARCH_LIMIT = 100
MAX_SEARCH_PAGES = 20
_CDAR = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def cdar_events(xml: bytes, at: str) -> list[LifecycleEvent]:
    """The invoices and statuses a CDAR message reports (one per referenced document); [] for
    what cannot be read (logged by the caller)."""
    root = ElementTree.fromstring(xml, forbid_dtd=True)
    events = []
    for ref in root.iterfind("rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument", _CDAR):
        number = (ref.findtext("ram:IssuerAssignedID", "", _CDAR) or "").strip()
        code = (ref.findtext("ram:ProcessConditionCode", "", _CDAR) or "").strip()
        reasons = [
            (status.findtext("ram:Reason", "", _CDAR) or "").strip()
            for status in ref.iterfind("ram:SpecifiedDocumentStatus", _CDAR)
        ]
        if number and code:
            events.append(
                LifecycleEvent(
                    invoice_number=number,
                    status=code,
                    reason="; ".join(r for r in reasons if r),
                    at=at,
                )
            )
    return events


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
        response = self._request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = {}
        return body if isinstance(body, dict) else {}

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
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
        if response.status_code >= 400:
            _note_state("ok")  # it answered: the request itself was refused
            try:
                body = response.json()
            except ValueError:
                body = {}
            raise PlatformRefused(_reason(body) or f"refused ({response.status_code})")
        _note_state("ok")
        return response

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

    def _search(self, where: dict[str, Any]) -> list[dict[str, Any]]:
        body = self._call("POST", "/v1/flows/search", json={"limit": SEARCH_LIMIT, "where": where})
        results = body.get("results") or []
        return [flow for flow in results if isinstance(flow, dict)]

    def find(self, invoice_number: str) -> str | None:
        """The ``flowId`` of the invoice's flow if the platform holds one (searched by
        ``trackingId``, our invoice number), else None. A refusal of the search is raised as
        ``PlatformUnavailable``: the outcome stays unknown, nothing is submitted blind."""
        try:
            flows = self._search({"trackingId": invoice_number})
        except PlatformRefused as exc:
            raise PlatformUnavailable(f"flow search refused: {exc.reason}") from None
        for flow in flows:
            if flow.get("trackingId") == invoice_number and flow.get("flowId"):
                if str(flow.get("flowType") or "").endswith("LC"):
                    continue  # a lifecycle flow that happens to carry the same id
                return str(flow["flowId"])
        return None

    def lifecycle(self, *, after: str) -> tuple[list[LifecycleEvent], str]:
        """The lifecycle statuses the platform received for the seller's invoices since
        ``after`` (the platform's own ``updatedAt`` of the last flow read; "" the first time),
        oldest first, and the new mark. Each flow's CDAR message is downloaded and read; one
        that cannot be read is skipped (logged)."""
        events: list[LifecycleEvent] = []
        mark = after
        for _page in range(MAX_SEARCH_PAGES):
            where: dict[str, Any] = {"flowType": [LIFECYCLE_FLOW_TYPE]}
            if mark:
                where["updatedAfter"] = mark
            flows = sorted(self._search(where), key=lambda f: str(f.get("updatedAt") or ""))
            for flow in flows:
                at = str(flow.get("updatedAt") or "")
                response = self._request(
                    "GET", f"/v1/flows/{flow.get('flowId')}", params={"docType": "Original"}
                )
                try:
                    events.extend(cdar_events(response.content, at))
                except (ElementTree.ParseError, ValueError) as exc:  # DTDs, entities: ValueError
                    logger.warning(
                        "Lifecycle flow %s unreadable (%s)", flow.get("flowId"), type(exc).__name__
                    )
                mark = max(mark, at)
            if len(flows) < SEARCH_LIMIT:
                break
        return events, mark

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
