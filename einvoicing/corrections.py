"""Correcting an invoice that the portal rejected: a credit note cancels it, a new invoice
replaces it, and the new invoice is delivered (deposited again) like any other.

Everything is issued by invoicing's own services (``credit_note_issue``, ``invoice_issue``), in
one transaction; the deliveries are the outbox rows those services write, carried out after
commit. Idempotent: the rejected delivery keeps the credit note and the new invoice
(``Delivery.credit_note``, ``corrected_by``, both one-to-one), and a second request answers
them without issuing anything.

Decision: the credit note is delivered by e-mail to the booking's contact, not deposited in
Chorus Pro. The portal already tells the buyer that the invoice was rejected (it is void at the
buyer's); the credit note cancels it in the seller's books (an issued invoice is never deleted).
Depositing a credit note against an invoice the buyer never accepted would ask its accountant
to process a document about nothing they hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import services as booking_services
from bookings.services import Actor
from core.errors import Conflict, DomainError, InvalidInput
from einvoicing.models import Delivery, DeliveryChannel, DeliveryStatus
from invoicing import services as invoicing_services
from invoicing.models import Invoice, InvoiceKind

NOT_REJECTED = "delivery_not_rejected"
NOT_CORRECTABLE = "delivery_not_correctable"
NOT_SUSPENDED = "delivery_not_suspended"
COMPLETION_REFUSED = "completion_refused"
PORTAL_UNAVAILABLE = "portal_unavailable"
# A suspended invoice is completed at the portal (``delivery_complete``); when what is missing
# must be on the invoice itself, it is corrected like a rejected one.
CORRECTABLE = (DeliveryStatus.REJECTED, DeliveryStatus.SUSPENDED)


@dataclass(frozen=True)
class Correction:
    delivery: Delivery
    credit_note: Invoice
    invoice: Invoice
    created: bool  # False: an earlier request had corrected it already


def _kind_to_reissue(original: Invoice) -> str:
    if original.kind == InvoiceKind.DEPOSIT:
        return "deposit"
    return "final" if original.deposits_deducted_cents else "full"


def _answer(delivery: Delivery, created: bool) -> Correction:
    assert delivery.credit_note is not None and delivery.corrected_by is not None
    return Correction(
        delivery=delivery,
        credit_note=delivery.credit_note,
        invoice=delivery.corrected_by,
        created=created,
    )


@transaction.atomic
def delivery_correct(
    *,
    delivery: Delivery,
    actor: Actor,
    reason: str,
    purchase_order: str | None = None,
    service_code: str | None = None,
) -> Correction:
    """Correct the rejected invoice of ``delivery``: change the booking's billing data when
    given (the commitment number or service code the portal missed), issue the credit note for
    all that remains of the invoice, then the new invoice of the same kind.

    Locks the departure and the booking (``lock_booking``), then the delivery row. Raises
    ``Conflict`` when the delivery is not rejected, ``InvalidInput`` for a credit note (it is
    corrected by issuing it again, not by crediting it); invoicing's own refusals pass through.
    """
    invoice = Invoice.objects.select_related("booking").get(pk=delivery.invoice_id)
    booking = booking_services.lock_booking(
        booking_id=invoice.booking_id, departure_id=invoice.booking.departure_id
    )
    locked = (
        # Only the delivery's row: PostgreSQL refuses FOR UPDATE on the nullable side of the
        # outer joins that the two optional relations make.
        Delivery.objects.select_for_update(of=("self",))
        .select_related("credit_note", "corrected_by")
        .get(pk=delivery.pk)
    )
    if locked.corrected_by_id is not None:
        return _answer(locked, created=False)
    if locked.status not in CORRECTABLE:
        raise Conflict(
            NOT_REJECTED,
            _("Only an invoice the portal rejected is corrected this way."),
            field="status",
            extra={"current_status": locked.status},
        )
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        raise InvalidInput(
            NOT_CORRECTABLE,
            _("A rejected credit note is not credited: correct it and deposit it again."),
            field="invoice",
        )
    if purchase_order is not None or service_code is not None:
        booking = booking_services.booking_billing_change(
            booking=booking,
            actor=actor,
            purchase_order=purchase_order,
            service_code=service_code,
        )
    credit_note = invoicing_services.credit_note_issue(invoice=invoice, reason=reason)
    # Chosen now, in the transaction, so that the delivery after commit finds it (see above).
    Delivery.objects.create(invoice=credit_note, channel=DeliveryChannel.EMAIL)
    replacement = invoicing_services.invoice_issue(booking=booking, kind=_kind_to_reissue(invoice))
    locked.credit_note = credit_note
    locked.corrected_by = replacement
    locked.save(update_fields=["credit_note", "corrected_by", "updated_at"])
    return _answer(locked, created=True)


def delivery_complete(*, delivery: Delivery, comment: str) -> Delivery:
    """Complete an invoice the buyer suspended at Chorus Pro, as the portal documents it: the
    supplier adds what the buyer asked for (a comment here) with ``/cpro/factures/v1/
    completer``; the invoice goes back to the buyer (``COMPLETEE``, shown as made available)
    and is followed again.

    The portal is called with no transaction open (the delivery's row is locked only to check
    and to record). ``Conflict`` (409 ``delivery_not_suspended``) unless the delivery is
    suspended; the portal's refusal is a 409 ``completion_refused`` with its reason; the portal
    unreachable a 503 ``portal_unavailable``: nothing is recorded then."""
    from einvoicing.chorus_pro import ChorusProError, ChorusProRefused
    from einvoicing.services import _client, _record

    with transaction.atomic():
        locked = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
        if locked.status != DeliveryStatus.SUSPENDED or not locked.portal_invoice_id:
            raise Conflict(
                NOT_SUSPENDED,
                _("Only an invoice the buyer suspended at Chorus Pro is completed."),
                field="status",
                extra={"current_status": locked.status},
            )
        portal_id = int(locked.portal_invoice_id)
    try:
        _client().invoice_complete(portal_id, comment)
    except ChorusProRefused as exc:
        raise Conflict(
            COMPLETION_REFUSED,
            _("Chorus Pro refused the completion: %(reason)s") % {"reason": exc.reason},
            field="comment",
        ) from None
    except ChorusProError:
        raise DomainError(
            PORTAL_UNAVAILABLE,
            _("Chorus Pro cannot be reached; try again in a few minutes."),
            status=503,
        ) from None
    with transaction.atomic():
        locked = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
        _record(
            locked,
            DeliveryStatus.MADE_AVAILABLE,
            _("Completed: %(comment)s") % {"comment": comment},
        )
        locked.next_check_at = timezone.now()
        locked.last_error = ""
        locked.save()
    return locked
