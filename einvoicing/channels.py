"""Delivery channels: one interface, an implementation per way an invoice reaches its buyer.

- ``EmailChannel``: today's behaviour, the PDF attached to an e-mail to the booking's contact
  (``invoicing.services.invoice_email_send``, unchanged).
- ``ChorusProChannel``: the Factur-X PDF deposited in Chorus Pro as a flux, for public buyers.
- ``PlatformChannel``: the Factur-X PDF sent through the seller's accredited platform (PA, the
  2026 reform), by the adapter its settings choose (``einvoicing.platforms``): the adapters
  implement ``AccreditedPlatform``.

A channel's ``deliver`` runs with no transaction open and may be called again for the same
delivery (at least once): it does nothing when the delivery is already done. It records what
happened on the ``Delivery`` row (``einvoicing.services`` writes it) and raises a
``ChorusProError`` other than a refusal when the attempt should be retried later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from einvoicing.models import Delivery, DeliveryChannel
from invoicing.models import Invoice


class Channel(Protocol):
    name: DeliveryChannel

    def deliver(self, delivery: Delivery, invoice: Invoice, pdf: bytes) -> None:
        """Deliver ``invoice`` (its Factur-X ``pdf``) and record it on ``delivery``."""
        ...


@dataclass(frozen=True)
class PlatformStatus:
    """What a PA says of an invoice it carried: a lifecycle status of the reform (deposited,
    made available, refused, approved, paid...) and its reason."""

    status: str
    reason: str = ""


@dataclass(frozen=True)
class LifecycleEvent:
    """A lifecycle status the buyer's side gave one of the seller's invoices (the reform's
    CDAR messages): the invoice's number, the status in the platform's words (an XP Z12-012
    code), its reason, and when the platform recorded it (its own timestamp)."""

    invoice_number: str
    status: str
    reason: str
    at: str


class AccreditedPlatform(Protocol):
    """An accredited platform (plateforme agréée) issuing the seller's invoices.

    ``send`` hands the platform the invoice's Factur-X PDF/A-3 (the platform reads the buyer,
    ``buyer_siren``, from its XML and routes it through the directory) and returns the
    platform's identifier of it, kept in ``Delivery.flux_number``; it raises
    ``einvoicing.platforms.PlatformUnavailable`` (retry later), ``PlatformBadCredentials`` or
    ``PlatformRefused`` (its reason; not retried). ``status`` reads what the platform says of
    it now, in its own words (mapped by the adapter's module); the periodic task calls it.
    ``find`` answers the platform's identifier of an invoice it already holds (None: it holds
    none), asked before submitting again after an attempt whose outcome is unknown.
    ``lifecycle`` answers the lifecycle statuses received since a mark, and the new mark.
    Implementations: ``einvoicing.platforms.ADAPTERS``.
    """

    def send(self, *, invoice_number: str, buyer_siren: str, pdf: bytes) -> str: ...

    def status(self, platform_id: str) -> PlatformStatus: ...

    def find(self, invoice_number: str) -> str | None: ...

    def lifecycle(self, *, after: str) -> tuple[list[LifecycleEvent], str]: ...


class EmailChannel:
    name = DeliveryChannel.EMAIL

    def deliver(self, delivery: Delivery, invoice: Invoice, pdf: bytes) -> None:
        from einvoicing import services

        services.delivery_email(delivery=delivery, invoice=invoice, pdf=pdf)


class ChorusProChannel:
    name = DeliveryChannel.CHORUS_PRO

    def deliver(self, delivery: Delivery, invoice: Invoice, pdf: bytes) -> None:
        from einvoicing import services

        services.delivery_deposit(delivery=delivery, invoice=invoice, pdf=pdf)


class PlatformChannel:
    name = DeliveryChannel.PLATFORM

    def deliver(self, delivery: Delivery, invoice: Invoice, pdf: bytes) -> None:
        from einvoicing import services

        services.delivery_platform_send(delivery=delivery, invoice=invoice, pdf=pdf)


CHANNELS: dict[str, Channel] = {
    DeliveryChannel.EMAIL: EmailChannel(),
    DeliveryChannel.CHORUS_PRO: ChorusProChannel(),
    DeliveryChannel.PLATFORM: PlatformChannel(),
}
