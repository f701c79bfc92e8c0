"""Delivering invoices through their channel and following them at the portal.

``delivery_run`` is what ``invoicing`` calls (through its ``invoicing.delivery_channels``
extension point) when the Chorus Pro channel is configured: it chooses the invoice's channel
once (a public buyer, or a SIRET Chorus Pro knows: Chorus Pro; otherwise e-mail), records it on
the invoice's one ``Delivery`` row, and delivers. It runs in the outbox's delivery handler, with
no transaction open: raising (the portal down) leaves the outbox row due, retried with backoff,
while the invoice stays issued. A deposit is never made twice for one invoice: the row is
unique per invoice, a deposited row is not deposited again, and a retry after a failed attempt
first asks the portal whether the invoice arrived anyway (a timeout after the portal took it).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import OrganisationType
from einvoicing.channels import AccreditedPlatform, LifecycleEvent
from einvoicing.chorus_pro import (
    ChorusProClient,
    ChorusProError,
    ChorusProRefused,
    PortalInvoice,
    client_from_settings,
)
from einvoicing.models import (
    FOLLOWED,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    PlatformSettings,
)
from einvoicing.platforms import (
    ACK_STATUSES,
    LIFECYCLE_STATUSES,
    PlatformError,
    PlatformRefused,
    platform_active,
)
from invoicing.models import Invoice
from invoicing.services import InvoiceDeliverer, invoice_email_send

logger = logging.getLogger(__name__)

PUBLIC_BUYERS = (OrganisationType.PUBLIC_BODY, OrganisationType.SCHOOL)
CHECK_EVERY = timedelta(hours=1)
MAX_CHECK_BACKOFF = timedelta(hours=6)

# Chorus Pro's invoice statuses (statutFacture) and ours. A_RECYCLER (routing data to correct)
# is shown as suspended: the buyer's side waits for the supplier.
PORTAL_STATUSES: dict[str, DeliveryStatus] = {
    "DEPOSEE": DeliveryStatus.DEPOSITED,
    "EN_COURS_ACHEMINEMENT": DeliveryStatus.DEPOSITED,
    "MISE_A_DISPOSITION": DeliveryStatus.MADE_AVAILABLE,
    "MISE_A_DISPOSITION_COMPTABLE": DeliveryStatus.MADE_AVAILABLE,
    "COMPLETEE": DeliveryStatus.MADE_AVAILABLE,
    "REJETEE": DeliveryStatus.REJECTED,
    "SUSPENDUE": DeliveryStatus.SUSPENDED,
    "A_RECYCLER": DeliveryStatus.SUSPENDED,
    "SERVICE_FAIT": DeliveryStatus.SERVICE_CERTIFIED,
    "MANDATEE": DeliveryStatus.PAYMENT_ORDERED,
    "MISE_EN_PAIEMENT": DeliveryStatus.PAID,
}


class NoClient(ChorusProError):
    """The channel was switched off while a Chorus Pro delivery waited."""


def _client() -> ChorusProClient:
    client = client_from_settings()
    if client is None:
        raise NoClient("Chorus Pro is not configured")
    return client


def _record(delivery: Delivery, status: DeliveryStatus, reason: str = "") -> None:
    """Append a status to the history (in memory; the caller saves)."""
    now = timezone.now()
    delivery.history = [
        *delivery.history,
        {"status": str(status), "at": now.isoformat(), "reason": reason},
    ]
    delivery.status = status
    delivery.status_changed_at = now


# --- The extension point's contribution ------------------------------------------------------


def chorus_pro_delivery(invoice: Invoice) -> InvoiceDeliverer | None:
    """``invoicing.delivery_channels``: einvoicing takes every delivery over while Chorus Pro
    is configured or the seller's accredited platform has a working adapter (it records each,
    e-mail included); otherwise invoicing e-mails as before."""
    if client_from_settings() is None and platform_active() is None:
        return None
    return delivery_run


def channel_choose(invoice: Invoice) -> tuple[DeliveryChannel, str]:
    """The invoice's channel, and the buyer's structure id at Chorus Pro when it goes there.

    With Chorus Pro configured, a public buyer (public body, school) goes to Chorus Pro; so does
    any buyer whose SIRET Chorus Pro knows. Any other buyer with a SIRET goes through the
    seller's accredited platform when its adapter works (``platform_active``), else by e-mail,
    as do buyers without a SIRET (abroad, or none: e-reporting, not e-invoicing). Raises a
    ``ChorusProError`` when the portal cannot say for a public buyer (retried later)."""
    channel, structure_id = _chorus_pro_or_email(invoice)
    if (
        channel == DeliveryChannel.EMAIL
        and invoice.buyer.get("siret")
        and platform_active() is not None
    ):
        return DeliveryChannel.PLATFORM, ""
    return channel, structure_id


def _chorus_pro_or_email(invoice: Invoice) -> tuple[DeliveryChannel, str]:
    buyer = invoice.buyer
    if client_from_settings() is None:
        return DeliveryChannel.EMAIL, ""
    siret = str(buyer.get("siret") or "")
    if not siret and buyer.get("organisation_type") not in PUBLIC_BUYERS:
        return DeliveryChannel.EMAIL, ""
    if not siret:
        # A public buyer without a SIRET cannot be addressed at the portal: staff must add it.
        return DeliveryChannel.CHORUS_PRO, ""
    public = buyer.get("organisation_type") in PUBLIC_BUYERS
    try:
        structure = _client().structure_search(siret)
    except ChorusProError:
        if public:
            raise  # retried: a public buyer reads its invoices at the portal
        # A private buyer received its invoices by e-mail before: the portal's outage does not
        # hold them back (docs/einvoicing.md).
        logger.warning("Chorus Pro unreachable: %s goes by e-mail", invoice.number)
        return DeliveryChannel.EMAIL, ""
    if structure is not None:
        return DeliveryChannel.CHORUS_PRO, str(structure.id_cpp)
    if public:
        return DeliveryChannel.CHORUS_PRO, ""
    return DeliveryChannel.EMAIL, ""


def delivery_get_or_create(invoice: Invoice) -> Delivery:
    """The invoice's one delivery, its channel chosen the first time (the unique constraint
    makes a concurrent second creation return the first row)."""
    existing = Delivery.objects.filter(invoice=invoice).first()
    if existing is not None:
        return existing
    channel, structure_id = channel_choose(invoice)
    delivery, _created = Delivery.objects.get_or_create(
        invoice=invoice, defaults={"channel": channel, "structure_id": structure_id}
    )
    return delivery


def delivery_run(invoice: Invoice, pdf: bytes) -> None:
    """Deliver ``invoice`` through its channel (at least once; idempotent)."""
    from einvoicing.channels import CHANNELS

    delivery = delivery_get_or_create(invoice)
    CHANNELS[delivery.channel].deliver(delivery, invoice, pdf)


def delivery_email(*, delivery: Delivery, invoice: Invoice, pdf: bytes) -> None:
    if delivery.status == DeliveryStatus.SENT:
        return
    Delivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)
    delivery.attempts += 1
    invoice_email_send(invoice=invoice, pdf=pdf)
    _record(delivery, DeliveryStatus.SENT)
    delivery.last_error = ""
    delivery.save(update_fields=["status", "history", "status_changed_at", "last_error"])


def _claim(delivery: Delivery) -> Delivery | None:
    """Count an attempt on a delivery still to deposit, under its row lock; None when it is
    deposited (or refused) already."""
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.flux_number or locked.status != DeliveryStatus.PENDING:
            return None
        locked.attempts += 1
        locked.save(update_fields=["attempts", "updated_at"])
        return locked


def _found_at_portal(delivery: Delivery, found: PortalInvoice) -> None:
    delivery.portal_invoice_id = str(found.id_cpp)
    _record(delivery, PORTAL_STATUSES.get(found.status, DeliveryStatus.DEPOSITED))
    delivery.last_error = ""
    delivery.next_check_at = timezone.now()
    delivery.save()


def delivery_deposit(*, delivery: Delivery, invoice: Invoice, pdf: bytes) -> Delivery:
    """Deposit the invoice's Factur-X PDF in Chorus Pro, once.

    The portal's refusal is recorded (status rejected, its reason) and not retried; the portal
    unreachable or the credentials refused are recorded as the last error and raised, so that
    the outbox tries again later."""
    claimed = _claim(delivery)
    if claimed is None:
        return Delivery.objects.get(pk=delivery.pk)
    try:
        client = _client()
        if claimed.attempts > 1:  # an earlier attempt may have reached the portal
            found = client.invoice_find(invoice.number)
            if found is not None:
                _found_at_portal(claimed, found)
                return claimed
        deposit = client.deposit_flux(file_name=f"{invoice.number}.pdf", pdf=pdf)
    except ChorusProRefused as exc:
        _record(claimed, DeliveryStatus.REJECTED, exc.reason)
        claimed.last_error = exc.reason
        claimed.save()
        logger.warning("Chorus Pro refused the deposit of %s: %s", invoice.number, exc.reason)
        return claimed
    except ChorusProError as exc:
        claimed.last_error = str(exc)
        claimed.save(update_fields=["last_error", "updated_at"])
        logger.warning("Deposit of %s in Chorus Pro failed: %s", invoice.number, exc)
        raise
    claimed.flux_number = deposit.flux_number
    claimed.last_error = ""
    claimed.next_check_at = timezone.now()
    _record(claimed, DeliveryStatus.DEPOSITED)
    claimed.save()
    return claimed


def delivery_platform_send(*, delivery: Delivery, invoice: Invoice, pdf: bytes) -> Delivery:
    """Send the invoice's Factur-X PDF through the seller's accredited platform, once (the same
    claim as a deposit). Its refusal is recorded (rejected, its reason) and not retried; the
    platform unreachable, its key refused or no adapter any more are recorded and raised, so
    that the outbox tries again later."""
    claimed = _claim(delivery)
    if claimed is None:
        return Delivery.objects.get(pk=delivery.pk)
    platform = platform_active()
    try:
        if platform is None:
            raise PlatformError("no accredited platform adapter is configured")
        # An earlier attempt may have reached the platform and lost its answer (a timeout):
        # adopt the flow it holds rather than submit the invoice twice.
        if claimed.attempts > 1 and settings.PA_FLOW_SEARCH:
            found = platform.find(invoice.number)
            if found is not None:
                logger.info("%s was at the platform already: flow adopted", invoice.number)
                return _platform_sent(claimed, found)
        siret = str(invoice.buyer.get("siret") or "")
        flow_id = platform.send(invoice_number=invoice.number, buyer_siren=siret[:9], pdf=pdf)
    except PlatformRefused as exc:
        _record(claimed, DeliveryStatus.REJECTED, exc.reason)
        claimed.last_error = exc.reason
        claimed.save()
        logger.warning("The platform refused %s: %s", invoice.number, exc.reason)
        return claimed
    except PlatformError as exc:
        claimed.last_error = str(exc)
        claimed.save(update_fields=["last_error", "updated_at"])
        logger.warning("Sending %s through the platform failed: %s", invoice.number, exc)
        raise
    return _platform_sent(claimed, flow_id)


def _platform_sent(delivery: Delivery, flow_id: str) -> Delivery:
    delivery.flux_number = flow_id
    delivery.last_error = ""
    delivery.next_check_at = timezone.now()
    _record(delivery, DeliveryStatus.DEPOSITED)
    delivery.save()
    return delivery


# --- Following deposited invoices ------------------------------------------------------------


def delivery_follow(*, delivery: Delivery, client: ChorusProClient) -> Delivery:
    """Read the invoice's status at the portal once and record a change. A portal error is
    recorded and the next check put off (2, 4, 8... minutes, at most six hours); not raised."""
    now = timezone.now()
    number = delivery.invoice.number
    try:
        if not delivery.portal_invoice_id:
            found = client.invoice_find(number)
            if found is None:  # the flux is still being integrated
                delivery.next_check_at = now + CHECK_EVERY
                delivery.save(update_fields=["next_check_at", "updated_at"])
                return delivery
            delivery.portal_invoice_id = str(found.id_cpp)
        current = client.invoice_status(int(delivery.portal_invoice_id))
    except ChorusProError as exc:
        delivery.check_failures += 1
        backoff = min(timedelta(minutes=2**delivery.check_failures), MAX_CHECK_BACKOFF)
        delivery.next_check_at = now + backoff
        delivery.last_error = str(exc)
        delivery.save()
        logger.warning("Status of %s at Chorus Pro unknown: %s", number, exc)
        return delivery
    status = PORTAL_STATUSES.get(current.status)
    if status is None:
        logger.warning("Chorus Pro status %r of %s is not known here", current.status, number)
    elif status != delivery.status:
        _record(delivery, status, current.reason)
        if status in (DeliveryStatus.REJECTED, DeliveryStatus.SUSPENDED):
            logger.warning("Chorus Pro: %s is %s: %s", number, status, current.reason)
    delivery.check_failures = 0
    delivery.last_error = ""
    delivery.next_check_at = now + CHECK_EVERY
    delivery.save()
    return delivery


def platform_follow(*, delivery: Delivery) -> Delivery:
    """Read the accredited platform's acknowledgement of a sent invoice and record a change; an
    error puts the next check off, as for Chorus Pro. The acknowledgement ends at ``Ok`` (made
    available) or ``Error`` (rejected): then it is consulted no more (what follows, the
    buyer's side's lifecycle, is read for every invoice at once: ``platform_lifecycle_read``)."""
    now = timezone.now()
    platform = platform_active()
    try:
        if platform is None:
            raise PlatformError("no accredited platform adapter is configured")
        current = platform.status(delivery.flux_number)
    except PlatformError as exc:
        delivery.check_failures += 1
        backoff = min(timedelta(minutes=2**delivery.check_failures), MAX_CHECK_BACKOFF)
        delivery.next_check_at = now + backoff
        delivery.last_error = str(exc)
        delivery.save()
        return delivery
    status = ACK_STATUSES.get(current.status)
    if status is not None and status != delivery.status:
        _record(delivery, status, current.reason)
        if status == DeliveryStatus.REJECTED:
            logger.warning("Platform: %s is rejected: %s", delivery.invoice.number, current.reason)
    delivery.check_failures = 0
    delivery.last_error = ""
    # Made available: the acknowledgement says no more; the lifecycle flows say the rest.
    done = status in (DeliveryStatus.MADE_AVAILABLE, DeliveryStatus.REJECTED)
    delivery.next_check_at = None if done else now + CHECK_EVERY
    delivery.save()
    return delivery


def platform_lifecycle_read(*, platform: AccreditedPlatform) -> int:
    """Read the lifecycle statuses the buyer's side gave the seller's invoices since the last
    read (one search at the platform, then each CDAR message), record each change on its
    delivery, and move the mark. A platform error is logged and the mark kept: the same flows
    are read at the next run. Returns how many deliveries changed."""
    row, _created = PlatformSettings.objects.get_or_create(pk=1)
    try:
        events, mark = platform.lifecycle(after=row.lifecycle_mark)
    except PlatformError as exc:
        logger.warning("Lifecycle flows at the platform unread: %s", exc)
        return 0
    changed = sum(1 for event in events if _lifecycle_apply(event))
    PlatformSettings.objects.filter(pk=1).update(lifecycle_mark=mark)
    return changed


@transaction.atomic
def _lifecycle_apply(event: LifecycleEvent) -> bool:
    """Record one lifecycle status on its invoice's delivery, under the delivery's row lock.
    Ignored: an unknown code, an invoice not sent through the platform, a delivery at a final
    status already (paid, rejected: followed no more) or one the platform never took."""
    status = LIFECYCLE_STATUSES.get(event.status)
    if status is None:
        logger.warning(
            "Lifecycle status %r of %s is not known here", event.status, event.invoice_number
        )
        return False
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("invoice")
        .filter(channel=DeliveryChannel.PLATFORM, invoice__number=event.invoice_number)
        .first()
    )
    if delivery is None or delivery.status not in FOLLOWED or delivery.status == status:
        return False
    _record(delivery, status, event.reason)
    if status in (DeliveryStatus.REJECTED, DeliveryStatus.SUSPENDED):
        logger.warning("Platform: %s is %s: %s", event.invoice_number, status, event.reason)
    if status not in FOLLOWED:  # paid or rejected: final
        delivery.next_check_at = None
    delivery.save()
    return True


def deliveries_follow(*, limit: int = 200) -> dict[str, Any]:
    """Follow the deliveries due for a check; log those whose status is stuck."""
    now = timezone.now()
    followed = 0
    platform = platform_active()
    if platform is not None:
        sent = (
            Delivery.objects.select_related("invoice")
            .filter(channel=DeliveryChannel.PLATFORM, status=DeliveryStatus.DEPOSITED)
            .exclude(next_check_at__gt=now)
            .order_by("next_check_at")[:limit]
        )
        for delivery in sent:
            platform_follow(delivery=delivery)
            followed += 1
        # Asked only while some invoice still awaits a final status there.
        if Delivery.objects.filter(channel=DeliveryChannel.PLATFORM, status__in=FOLLOWED).exists():
            followed += platform_lifecycle_read(platform=platform)
    client = client_from_settings()
    if client is not None:
        due = (
            Delivery.objects.select_related("invoice")
            .filter(channel=DeliveryChannel.CHORUS_PRO, status__in=FOLLOWED)
            .exclude(next_check_at__gt=now)
            .order_by("next_check_at")[:limit]
        )
        for delivery in due:
            delivery_follow(delivery=delivery, client=client)
            followed += 1
    stuck = deliveries_stuck()
    for delivery in stuck:
        logger.warning(
            "Invoice %s has been %s at %s since %s",
            delivery.invoice.number,
            delivery.status,
            delivery.get_channel_display(),
            delivery.status_changed_at.isoformat() if delivery.status_changed_at else "?",
        )
    return {"followed": followed, "stuck": len(stuck)}


def deliveries_stuck() -> list[Delivery]:
    """Chorus Pro's and the accredited platform's deliveries not paid whose status has not
    moved for EINVOICING_STUCK_DAYS, and deliveries still not deposited after as long."""
    since = timezone.now() - timedelta(days=settings.EINVOICING_STUCK_DAYS)
    waiting = (*FOLLOWED, DeliveryStatus.PENDING, DeliveryStatus.REJECTED)
    followed_channels = (DeliveryChannel.CHORUS_PRO, DeliveryChannel.PLATFORM)
    return list(
        Delivery.objects.select_related("invoice")
        .filter(channel__in=followed_channels, status__in=waiting)
        .filter(
            Q(status_changed_at__lt=since) | Q(status_changed_at__isnull=True, created_at__lt=since)
        )
    )


def delivery_retry(*, delivery_id: int) -> None:
    """Run a delivery again now (staff's retry); a deposited one is not deposited again, a
    followed one is consulted now."""
    from invoicing.services import invoice_pdf

    delivery = Delivery.objects.select_related("invoice").get(pk=delivery_id)
    if delivery.channel == DeliveryChannel.PLATFORM and delivery.status in FOLLOWED:
        platform = platform_active()
        if delivery.status == DeliveryStatus.DEPOSITED or platform is None:
            platform_follow(delivery=delivery)  # records "no adapter" when so
        else:
            platform_lifecycle_read(platform=platform)
        return
    if delivery.status in FOLLOWED:
        client = client_from_settings()
        if client is not None:
            delivery_follow(delivery=delivery, client=client)
        return
    invoice = delivery.invoice
    delivery_run(invoice, invoice_pdf(invoice=invoice))
