"""Correcting an invoice that the portal rejected: a credit note cancels it, a new invoice
replaces it, and the new invoice is delivered (deposited again) like any other.

Everything is issued by invoicing's own services (``credit_note_issue``, ``invoice_issue``), in
one transaction; the deliveries are the outbox rows those services write, carried out after
commit. Idempotent: the rejected delivery keeps the credit note and the new invoice
(``Delivery.credit_note``, ``corrected_by``, both one-to-one), and a second request answers
them without issuing anything. The new invoice carries what was already received against the
one it replaces (``paid_cents``, ``paid_at``): a card-paid invoice is replaced by a paid one.

Decision: the credit note is delivered by e-mail to the booking's contact, not deposited in
Chorus Pro. The portal already tells the buyer that the invoice was rejected (it is void at the
buyer's); the credit note cancels it in the seller's books (an issued invoice is never deleted).
Depositing a credit note against an invoice the buyer never accepted would ask its accountant
to process a document about nothing they hold.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
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
ATTACHMENT_NOT_PDF = "attachment_not_pdf"
ATTACHMENT_TOO_LARGE = "attachment_too_large"
ATTACHMENT_EMPTY = "attachment_empty"
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
    # Money already received against the invoice (a card payment, or one recorded by staff)
    # is carried to its replacement, paid as the original was: the credit note cancels the
    # document, not the payment, which must not be asked for again. Read now, under the
    # booking's lock, after any payment recorded meanwhile.
    received = Invoice.objects.values_list("paid_cents", "paid_at").get(pk=invoice.pk)
    replacement = invoicing_services.invoice_issue(
        booking=booking,
        kind=_kind_to_reissue(invoice),
        paid_cents=received[0],
        paid_at=received[1],
    )
    locked.credit_note = credit_note
    locked.corrected_by = replacement
    locked.save(update_fields=["credit_note", "corrected_by", "updated_at"])
    return _answer(locked, created=True)


@dataclass(frozen=True)
class Attachment:
    """A file staff add to a completion: its name as uploaded and its bytes."""

    name: str
    content: bytes

    @property
    def portal_name(self) -> str:
        """The name given to the portal: the base name only, at most 100 characters, ending
        in ``.pdf``."""
        base = os.path.basename(self.name.replace("\\", "/")).strip() or "piece-jointe"
        stem = base[:-4] if base.lower().endswith(".pdf") else base
        return stem[:96] + ".pdf"


def attachment_check(attachment: Attachment) -> None:
    """A complementary attachment is a PDF (sniffed from its first bytes, whatever its name
    says) of at most ``EINVOICING_ATTACHMENT_MAX_BYTES``; ``InvalidInput`` (field
    ``attachment``) otherwise."""
    if not attachment.content:
        raise InvalidInput(ATTACHMENT_EMPTY, _("The attached file is empty."), field="attachment")
    limit = settings.EINVOICING_ATTACHMENT_MAX_BYTES
    if len(attachment.content) > limit:
        raise InvalidInput(
            ATTACHMENT_TOO_LARGE,
            _("The attached file is too large: at most %(size)s MB.")
            % {"size": f"{limit / 1_000_000:g}"},
            field="attachment",
        )
    if b"%PDF-" not in attachment.content[:1024]:
        raise InvalidInput(
            ATTACHMENT_NOT_PDF,
            _("The attached file is not a PDF; Chorus Pro takes the complement as a PDF."),
            field="attachment",
        )


def delivery_complete(
    *, delivery: Delivery, comment: str, attachment: Attachment | None = None
) -> Delivery:
    """Complete an invoice the buyer suspended at Chorus Pro, as the portal documents it: the
    supplier adds what the buyer asked for (a comment, and a PDF when given: uploaded first
    with ``/cpro/transverses/v1/ajouter/fichier``, then referenced) with ``/cpro/factures/v1/
    completer``; the invoice goes back to the buyer (``COMPLETEE``, shown as made available)
    and is followed again.

    The portal is called with no transaction open (the delivery's row is locked only to check
    and to record). ``InvalidInput`` for an attachment that is not a PDF, empty or too large
    (the portal is not called); ``Conflict`` (409 ``delivery_not_suspended``) unless the
    delivery is suspended; the portal's refusal is a 409 ``completion_refused`` with its
    reason; the portal unreachable a 503 ``portal_unavailable``: nothing is recorded then (a
    file uploaded before the refusal stays at the portal, referenced by nothing)."""
    from einvoicing.chorus_pro import ChorusProError, ChorusProRefused, Complement
    from einvoicing.services import _client, _record

    if attachment is not None:
        attachment_check(attachment)

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
        client = _client()
        complements: tuple[Complement, ...] = ()
        if attachment is not None:
            name = attachment.portal_name
            uploaded = client.attachment_add(
                name=name, content=attachment.content, mime="application/pdf", extension="PDF"
            )
            complements = (Complement(attachment_id=uploaded, name=name),)
        client.invoice_complete(portal_id, comment, complements)
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
        reason = _("Completed: %(comment)s") % {"comment": comment}
        if attachment is not None:
            reason = _("Completed: %(comment)s (attached: %(name)s)") % {
                "comment": comment,
                "name": attachment.portal_name,
            }
        _record(locked, DeliveryStatus.MADE_AVAILABLE, reason)
        locked.next_check_at = timezone.now()
        locked.last_error = ""
        locked.save()
    return locked
