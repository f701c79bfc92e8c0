"""Delivery channels: one interface, an implementation per way an invoice reaches its buyer.

- ``EmailChannel``: today's behaviour, the PDF attached to an e-mail to the booking's contact
  (``invoicing.services.invoice_email_send``, unchanged).
- ``ChorusProChannel``: the Factur-X PDF deposited in Chorus Pro as a flux, for public buyers.
- ``AccreditedPlatform``: the interface an accredited platform's adapter (PA, the 2026 reform)
  will implement. **There is no implementation**: the seller has not chosen a PA, and each PA
  has its own API; docs/einvoicing.md says what plugging one in takes.

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


class AccreditedPlatform(Protocol):
    """An accredited platform (plateforme agréée) issuing the seller's invoices.

    Not implemented (no PA chosen yet). An adapter implementing it, registered as the seller's
    platform, would become a ``Channel`` for every buyer (B2B included) once the seller issues
    through it (compulsory from September 2027): ``send`` returns the platform's identifier of
    the invoice, kept in ``Delivery.flux_number``; ``status`` is read by the periodic task like
    Chorus Pro's.
    """

    def send(self, *, invoice_number: str, buyer_siren: str, pdf: bytes) -> str: ...

    def status(self, platform_id: str) -> PlatformStatus: ...


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


CHANNELS: dict[str, Channel] = {
    DeliveryChannel.EMAIL: EmailChannel(),
    DeliveryChannel.CHORUS_PRO: ChorusProChannel(),
}
