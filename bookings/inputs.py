"""What the booking services take, typed: the API's serializers and the tests build these.

``BookingRequest.from_data`` reads the serializer's validated data (nested dicts), so that the
one place that knows the API's shape is the API; the services read attributes mypy checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Organisation:
    name: str
    type: str
    siret: str = ""
    vat_number: str = ""


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class Billing:
    address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "FR"
    purchase_order: str = ""
    service_code: str = ""


@dataclass(frozen=True)
class BookingRequest:
    """A group's request: a public ``departure``, or a private date (``itinerary`` and
    ``starts_at``; with ``split``, two groups on staggered times)."""

    participants: int
    language: str
    organisation: Organisation
    contact: Contact
    payment_method: str
    terms_version: str
    departure: int | None = None
    itinerary: str | None = None
    starts_at: datetime | None = None
    options: tuple[str, ...] = ()
    billing: Billing = field(default_factory=Billing)
    notes: str = ""
    split: tuple[int, ...] | None = None

    @property
    def private(self) -> bool:
        return self.departure is None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> BookingRequest:
        """From the API's validated data (``bookings.api.inputs.BookingInputSerializer``)."""
        billing = dict(data.get("billing") or {})
        billing["country"] = billing.get("country") or "FR"
        split = data.get("split")
        return cls(
            participants=data["participants"],
            language=data["language"],
            organisation=Organisation(**data["organisation"]),
            contact=Contact(**data["contact"]),
            payment_method=data["payment_method"],
            terms_version=data["terms_version"],
            departure=data.get("departure"),
            itinerary=data.get("itinerary"),
            starts_at=data.get("starts_at"),
            options=tuple(data.get("options") or ()),
            billing=Billing(**billing),
            notes=data.get("notes", ""),
            split=None if split is None else tuple(split),
        )
