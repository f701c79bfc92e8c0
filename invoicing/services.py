"""Issuing invoices, deposit invoices and credit notes; their payment status; their PDF.

Numbering: the number comes from the ``InvoiceSequence`` row of its series and year, locked with
``select_for_update()`` in the same transaction as the invoice insert, so numbers run 1, 2, 3...
with no gap and no duplicate (a rolled-back issue rolls its number back too). Everything is
validated before the number is taken. Lock order: the booking row, then the counter row.

The PDF (PDF/A-3b + Factur-X) is rendered after commit, from the row's frozen content, and
stored once: the counter lock is held only for the insert, so numbering stays fast. It is then
e-mailed to the booking's contact. That delivery is recorded in the issuing transaction as an
outbox row (``core.outbox``): a broker outage or a crash after the commit delays it, never
loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import ACTIVE_STATUSES, Booking, BookingStatus, OrganisationType
from bookings.services import lock_booking
from core import outbox
from core.errors import Conflict, InvalidInput
from core.extensions import ExtensionPoint
from core.money import percent_of, vat_on
from core.numbering import take_next
from invoicing import amounts, errors
from invoicing.models import Invoice, InvoiceKind, InvoiceSequence, InvoiceSeries, SellerProfile
from invoicing.training import exempt_price, training_vat_exempt

logger = logging.getLogger(__name__)

# Test-only seams for the numbering race (tests/concurrency/test_invoice_numbering.py): without
# the lock, every racer reads the same last number; the hook holds them between read and write.
_lock_sequence = True
_after_sequence_read: Callable[[], None] | None = None

PUBLIC_BODY_MAX_TERMS_DAYS = 30  # public buyers: 30 days at most (STANDARDS.md)
FINAL, FULL, DEPOSIT = "final", "full", "deposit"
DELIVER_INVOICE = "invoicing.deliver_invoice"  # the outbox handler (invoicing/receivers.py)

# How an issued invoice reaches its buyer. A contribution looks at the invoice and returns the
# deliverer that takes it over (called with the invoice and its PDF, with no transaction open,
# at least once: it carries its own idempotency; raising makes the outbox retry it later), or
# None to leave it to the next one. When none takes it, the PDF is e-mailed to the booking's
# contact. The einvoicing app contributes Chorus Pro (public buyers) when it is configured.
InvoiceDeliverer = Callable[[Invoice, bytes], None]
InvoiceDeliveryChoice = Callable[[Invoice], InvoiceDeliverer | None]
invoice_delivery_channels = ExtensionPoint[InvoiceDeliveryChoice]("invoicing.delivery_channels")


@dataclass(frozen=True)
class InvoiceTerms:
    """The payment terms an app above sets for an invoice (a quote's terms for its buyer type).

    ``days`` to pay, counted from the issue (the day the buyer receives it) or from
    ``runs_from`` when that is later (a public buyer's period runs from the certified delivery
    when the invoice arrives before it); ``note`` is printed with the terms, in French like the
    invoice. Public bodies' days stay capped at 30 whatever a contribution says."""

    days: int
    runs_from: date | None = None
    note: str = ""


# What may refuse an invoice, and the terms it states. A check is called with the booking
# locked and the kind asked (``final``, ``full`` or ``deposit``) and raises a ``DomainError`` to
# refuse (nothing written, no number taken). A terms rule answers ``InvoiceTerms`` or None to
# leave it to the next one; none: the seller's ``payment_terms_days``. Procurement contributes
# both for quoted bookings (service certified first, the quote's terms).
InvoiceIssueCheck = Callable[[Booking, str], None]
invoice_issue_checks = ExtensionPoint[InvoiceIssueCheck]("invoicing.issue_checks")
InvoiceTermsRule = Callable[[Booking, str], InvoiceTerms | None]
invoice_terms_rules = ExtensionPoint[InvoiceTermsRule]("invoicing.invoice_terms")


@dataclass(frozen=True)
class DepositAmount:
    """The deposit an app above sets for a booking's deposit invoice: ``cents`` incl. VAT and
    the ``percent`` printed on its lines (a quote's payment schedule)."""

    cents: int
    percent: int


# What a booking's deposit invoice asks for. A rule answers ``DepositAmount`` or None to leave it
# to the next one; none: the booking's price (``deposit_cents``, the itinerary's rule). Called
# with the booking locked. Procurement contributes the accepted quote's schedule.
InvoiceDepositRule = Callable[[Booking], DepositAmount | None]
invoice_deposit_rules = ExtensionPoint[InvoiceDepositRule]("invoicing.deposit_amounts")

DEMO_SELLER: dict[str, Any] = {
    "legal_name": "Voyages apprenants (DÉMONSTRATION)",
    "legal_form": "Association loi 1901",
    "address": "Rue de Bourgogne",
    "postal_code": "62750",
    "city": "Loos-en-Gohelle",
    "country": "FR",
    "siren": "732829320",
    "siret": "73282932000074",
    "vat_number": "FR44732829320",
    "email": "visites@voyages-apprenants.example",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPPXXX",
    "vat_regime_mention": "TVA acquittée sur les encaissements",
    "payment_terms_days": 30,
}


# --- Seller and parties ---------------------------------------------------------------------


def seller_profile_get() -> SellerProfile:
    """The seller (pk 1); created from ``INVOICE_SELLER_DEFAULTS`` (else demo data) if missing,
    and then marked ``is_demo`` so that nobody mistakes it for the real details."""
    defaults = {**DEMO_SELLER, **getattr(settings, "INVOICE_SELLER_DEFAULTS", {}), "is_demo": True}
    profile, _created = SellerProfile.objects.get_or_create(pk=1, defaults=defaults)
    return profile


def _seller_snapshot(profile: SellerProfile) -> dict[str, Any]:
    fields = [f.name for f in SellerProfile._meta.fields if f.name != "id"]
    # JSON keeps no Decimal (the late-payment points): frozen as its text, "10.00".
    return {
        name: str(value) if isinstance(value, Decimal) else value
        for name in fields
        for value in [getattr(profile, name)]
    }


def _buyer_snapshot(booking: Booking) -> dict[str, Any]:
    return {
        "name": booking.organisation_name,
        "organisation_type": booking.organisation_type,
        "is_public_body": booking.organisation_type == OrganisationType.PUBLIC_BODY,
        "address": booking.billing_address,
        "postal_code": booking.billing_postal_code,
        "city": booking.billing_city,
        "country": booking.billing_country or "FR",
        "siret": booking.siret,
        "siren": booking.siret[:9],
        "vat_number": booking.vat_number,
        "contact_name": booking.contact_name,
        "contact_email": booking.contact_email,
        "purchase_order": booking.purchase_order,
        "service_code": booking.service_code,
        "booking_reference": booking.reference,
        "delivery_address": _delivery_address(booking),
    }


def _delivery_address(booking: Booking) -> str:
    """Where the service is delivered (the reform's BG-15) when it differs from the buyer's
    address: the itinerary's meeting site; "" when unknown or the same."""
    site = getattr(booking.departure.itinerary, "meeting_site", None)
    address = site.address.strip() if site is not None else ""
    billing = ", ".join(
        part for part in (booking.billing_address, booking.billing_city) if part
    ).strip()
    return address if address and address.casefold() != billing.casefold() else ""


# --- Numbering ------------------------------------------------------------------------------


def _take_number(series: str, year: int) -> str:
    """The series' next number of the year (core.numbering); the caller's transaction holds it."""
    number = take_next(
        InvoiceSequence,
        series=series,
        year=year,
        lock=_lock_sequence,
        after_read=_after_sequence_read,
    )
    return f"{series}{year}-{number:06d}"


def _lock_booking(booking_id: int) -> Booking:
    """The booking's departure, then the booking: the lock order of every app."""
    return lock_booking(booking_id=booking_id)


# --- What is already invoiced ---------------------------------------------------------------


def remaining_incl_vat(invoice: Invoice) -> int:
    """What is left to credit on an invoice: its total minus its credit notes' totals."""
    credited = sum(note.total_incl_vat_cents for note in invoice.credit_notes.all())
    return invoice.total_incl_vat_cents - credited


def _remaining_bases(invoice: Invoice) -> dict[str, int]:
    notes = [note.vat_breakdown for note in invoice.credit_notes.all()]
    return {r: b for r, b in amounts.subtract(invoice.vat_breakdown, *notes).items() if b > 0}


def _live(booking: Booking, kind: str) -> list[Invoice]:
    """The booking's invoices of this kind not fully credited, oldest first."""
    invoices = booking.invoices.filter(kind=kind).prefetch_related("credit_notes").order_by("pk")
    return [invoice for invoice in invoices if remaining_incl_vat(invoice) > 0]


# --- Issuing --------------------------------------------------------------------------------


def _fr_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _fr_rate(rate: str) -> str:
    return f"{Decimal(rate).normalize():f}".replace(".", ",")


def _service_date(booking: Booking) -> date:
    return timezone.localtime(booking.departure.starts_at).date()


def _price(booking: Booking) -> dict[str, Any]:
    """The booking's price as invoiced: without VAT for an exempt training booking."""
    return exempt_price(booking.price) if training_vat_exempt(booking) else booking.price


def _category(booking: Booking) -> str:
    return amounts.EXEMPT_CATEGORY if training_vat_exempt(booking) else amounts.VAT_CATEGORY


def _deposit_lines(booking: Booking) -> list[dict[str, Any]]:
    """One line per VAT rate: the deposit split over the rates in proportion to their totals."""
    price = _price(booking)
    amount = _deposit(booking)
    deposit = amount.cents
    if price is not booking.price and not booking.price.get("vat_exempt"):
        # Set as training after it was priced with VAT: the same share of the exempt total.
        whole = int(booking.price.get("total_cents") or 0)
        deposit = deposit * int(price["total_cents"]) // whole if whole else 0
    table = [
        {**row, "vat_rate": amounts.rate_str(row["vat_rate"])} for row in price["vat_breakdown"]
    ]
    bases = amounts.split_incl_vat(deposit, amounts.incl_vat(table))
    label = (
        "Acompte de %(percent)s %% sur la réservation %(ref)s, visite du %(day)s (TVA %(rate)s %%)"
    )
    return [
        amounts.line(
            label
            % {
                "percent": amount.percent,
                "ref": booking.reference,
                "day": _fr_date(_service_date(booking)),
                "rate": _fr_rate(rate),
            },
            1,
            base,
            rate,
            _category(booking),
        )
        for rate, base in bases.items()
    ]


def _deposit(booking: Booking) -> DepositAmount:
    """The first deposit a contribution of ``invoice_deposit_rules`` sets, else the price's."""
    for rule in invoice_deposit_rules:
        amount = rule(booking)
        if amount is not None:
            return amount
    price = booking.price
    return DepositAmount(
        cents=int(price.get("deposit_cents", 0)), percent=int(price.get("deposit_percent") or 0)
    )


def _price_lines(booking: Booking) -> list[dict[str, Any]]:
    category = _category(booking)
    return [
        amounts.line(
            row["label"], row["quantity"], row["unit_price_cents"], row["vat_rate"], category
        )
        for row in _price(booking)["lines"]
    ]


def _deduction_lines(deposits: list[Invoice]) -> list[dict[str, Any]]:
    """Deposit invoices deducted from the final invoice: excl. VAT per rate, quantity -1 (EN 16931
    forbids a negative unit price), so the final invoice's VAT is what remains due."""
    lines = []
    for deposit in deposits:
        category = amounts.categories(deposit.vat_breakdown)
        for rate, base in _remaining_bases(deposit).items():
            description = (
                f"Acompte déduit : facture {deposit.number} du {_fr_date(deposit.issue_date)} "
                f"(TVA {_fr_rate(rate)} %)"
            )
            lines.append(
                amounts.line(description, -1, base, rate, category.get(rate, amounts.VAT_CATEGORY))
            )
    return lines


def _check_invoiceable(booking: Booking, kind: str, *, received: bool = False) -> list[Invoice]:
    """Refuse what cannot be issued; answer the deposit invoices a final invoice deducts.

    ``received``: the invoice records money already received (a payment made while the booking
    was live): it is issued even if the group cancelled since, so that no payment stays without
    its invoice; the cancellation's credit note gives back its share."""
    cancelled_after_paying = received and booking.status == BookingStatus.CANCELLED
    if booking.status not in ACTIVE_STATUSES and not cancelled_after_paying:
        raise Conflict(
            errors.BOOKING_NOT_INVOICEABLE,
            _("This booking's status is “%(status)s”: it cannot be invoiced.")
            % {"status": BookingStatus(booking.status).label},
            field="booking",
            extra={"current_status": booking.status},
        )
    if _live(booking, InvoiceKind.INVOICE):
        raise Conflict(
            errors.ALREADY_INVOICED, _("This booking already has its invoice."), field="kind"
        )
    deposits = _live(booking, InvoiceKind.DEPOSIT)
    if kind == DEPOSIT and deposits:
        raise Conflict(
            errors.ALREADY_INVOICED, _("This booking already has a deposit invoice."), field="kind"
        )
    if kind == FULL and deposits:
        raise Conflict(
            errors.KIND_NOT_ALLOWED,
            _("A deposit invoice exists: issue the final invoice, which deducts it."),
            field="kind",
        )
    if kind == FINAL and not deposits:
        raise Conflict(
            errors.KIND_NOT_ALLOWED,
            _("No deposit invoice exists: issue a full invoice."),
            field="kind",
        )
    # The final invoice deducts the deposit invoices as paid: one still unpaid would be
    # deducted from the final and never asked for again.
    if kind == FINAL and any(not deposit.paid for deposit in deposits):
        raise Conflict(
            errors.DEPOSIT_UNPAID,
            _("The deposit invoice is not paid yet: record its payment first."),
            field="kind",
        )
    return deposits


def _lines_for(booking: Booking, kind: str, deposits: list[Invoice]) -> list[dict[str, Any]]:
    if kind == DEPOSIT:
        return _deposit_lines(booking)
    if kind == FINAL:
        return _price_lines(booking) + _deduction_lines(deposits)
    return _price_lines(booking)


def _terms(booking: Booking, kind: str) -> InvoiceTerms | None:
    """The first terms a contribution of ``invoice_terms_rules`` sets, else None."""
    for rule in invoice_terms_rules:
        terms = rule(booking, kind)
        if terms is not None:
            return terms
    return None


def _due_date(
    issue_date: date,
    seller: SellerProfile,
    booking: Booking,
    kind: str,
    terms: InvoiceTerms | None = None,
) -> date:
    """The invoice's terms, else the seller's (capped for public bodies), from the issue or the
    later day the terms run from; a deposit is due before the visit it secures, at the latest
    the day before, and never before the day it is issued."""
    days = terms.days if terms is not None else seller.payment_terms_days
    if booking.organisation_type == OrganisationType.PUBLIC_BODY:
        days = min(days, PUBLIC_BODY_MAX_TERMS_DAYS)
    start = issue_date
    if terms is not None and terms.runs_from is not None:
        start = max(start, terms.runs_from)
    due = start + timedelta(days=days)
    if kind == DEPOSIT:
        due = max(min(due, _service_date(booking) - timedelta(days=1)), issue_date)
    return due


@transaction.atomic
def invoice_issue(
    *, booking: Booking, kind: str, paid_cents: int = 0, paid_at: datetime | None = None
) -> Invoice:
    """Issue the deposit (``deposit``), final (``final``, deducting the deposit invoices) or
    single (``full``) invoice of a booking; ``paid_cents`` when paid at issue (a card payment).

    Locks the booking row, validates, then takes the number under the counter row lock and
    inserts. Raises ``Conflict`` (nothing written, no number consumed) when the booking is not
    invoiceable, already invoiced for this, or when there is nothing to invoice.
    """
    locked = _lock_booking(booking.pk)
    deposits = _check_invoiceable(locked, kind, received=paid_cents > 0)
    for check in invoice_issue_checks:
        check(locked, kind)
    terms = _terms(locked, kind)
    lines = _lines_for(locked, kind, deposits)
    table = amounts.breakdown(lines)
    sums = amounts.totals(table)
    if sums["total_incl_vat_cents"] <= 0:
        raise Conflict(
            errors.NOTHING_TO_INVOICE, _("There is nothing left to invoice."), field="kind"
        )
    seller = seller_profile_get()
    issue_date = timezone.localdate()
    total = sums["total_incl_vat_cents"]
    invoice = Invoice(
        kind=InvoiceKind.DEPOSIT if kind == DEPOSIT else InvoiceKind.INVOICE,
        purpose="" if kind == DEPOSIT else kind,
        booking=locked,
        issue_date=issue_date,
        service_date=_service_date(locked),
        due_date=_due_date(issue_date, seller, locked, kind, terms),
        payment_terms_days=terms.days if terms is not None else None,
        payment_terms_note=terms.note[:400] if terms is not None else "",
        seller=_seller_snapshot(seller),
        buyer=_buyer_snapshot(locked),
        lines=lines,
        vat_breakdown=table,
        deposits_deducted_cents=sum(remaining_incl_vat(d) for d in deposits),
        prepaid_cents=min(paid_cents, total),
        paid=paid_cents >= total,
        paid_cents=paid_cents,
        paid_at=paid_at if paid_cents else None,
        **sums,
    )
    invoice.number = _take_number(InvoiceSeries.INVOICE, issue_date.year)
    invoice.save()
    _after_issue(invoice)
    return invoice


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, amount_cents: int | None = None, reason: str) -> Invoice:
    """Issue a credit note on ``invoice`` for ``amount_cents`` incl. VAT (all that remains when
    None), one line per VAT rate in proportion to what remains at each rate.

    Locks the booking row (credit notes of one booking are issued one at a time), then the
    counter row. Raises ``InvalidInput`` for a credit note of a credit note, ``Conflict`` for an
    amount larger than what remains creditable.
    """
    _lock_booking(invoice.booking_id)
    original = Invoice.objects.select_related("booking__departure").get(pk=invoice.pk)
    if original.kind == InvoiceKind.CREDIT_NOTE:
        raise InvalidInput(
            errors.NOT_CREDITABLE, _("A credit note cannot itself be credited."), field="number"
        )
    remaining = remaining_incl_vat(original)
    amount = remaining if amount_cents is None else amount_cents
    if amount > remaining or amount <= 0:
        raise Conflict(
            errors.CREDIT_TOO_LARGE,
            _("At most %(remaining)s cents remain to be credited on this invoice.")
            % {"remaining": remaining},
            field="amount_cents",
            extra={"creditable_cents": remaining},
        )
    lines = _credit_lines(original, amount, remaining)
    table = amounts.breakdown(lines)
    sums = amounts.totals(table)
    if sums["total_incl_vat_cents"] <= 0:
        raise Conflict(
            errors.NOTHING_TO_INVOICE, _("There is nothing left to invoice."), field="amount_cents"
        )
    issue_date = timezone.localdate()
    note = Invoice(
        kind=InvoiceKind.CREDIT_NOTE,
        booking=original.booking,
        issue_date=issue_date,
        service_date=original.service_date,
        due_date=issue_date,
        seller=_seller_snapshot(seller_profile_get()),
        buyer=_buyer_snapshot(original.booking),
        lines=lines,
        vat_breakdown=table,
        credited_invoice=original,
        reason=reason[:255],
        **sums,
    )
    note.number = _take_number(InvoiceSeries.CREDIT_NOTE, issue_date.year)
    note.save()
    _after_issue(note)
    return note


def _credit_lines(original: Invoice, amount: int, remaining: int) -> list[dict[str, Any]]:
    bases = _remaining_bases(original)
    if amount != remaining or original.credit_notes.exists():
        weights = {rate: base + vat_on(base, Decimal(rate)) for rate, base in bases.items()}
        bases = amounts.split_incl_vat(amount, weights)
    label = "Avoir sur la facture %s du %s (TVA %s %%)"
    category = amounts.categories(original.vat_breakdown)
    return [
        amounts.line(
            label % (original.number, _fr_date(original.issue_date), _fr_rate(rate)),
            1,
            base,
            rate,
            category.get(rate, amounts.VAT_CATEGORY),
        )
        for rate, base in bases.items()
    ]


def _after_issue(invoice: Invoice) -> None:
    """Record the invoice's delivery in the issuing transaction (run after commit)."""
    outbox.consequence_record(
        handler=DELIVER_INVOICE,
        key=f"deliver:invoice:{invoice.pk}",
        payload={"invoice_id": invoice.pk},
    )


def invoice_deliver(*, invoice_id: int) -> None:
    """Render and store the PDF of an issued invoice, then deliver it: through the first
    contribution of ``invoice_delivery_channels`` that takes it, else by e-mail to the booking's
    contact (``invoice_email_send``).

    Runs with no transaction open (no lock held while the mail server answers); at least once.
    """
    invoice = Invoice.objects.select_related("booking", "credited_invoice").get(pk=invoice_id)
    pdf = invoice_pdf(invoice=invoice)
    for choose in invoice_delivery_channels:
        deliverer = choose(invoice)
        if deliverer is not None:
            deliverer(invoice, pdf)
            return
    invoice_email_send(invoice=invoice, pdf=pdf)


def invoice_email_send(*, invoice: Invoice, pdf: bytes) -> None:
    """E-mail the invoice's PDF to the booking's contact (the delivery of every invoice when
    no channel takes it over)."""
    from invoicing.emails import invoice_email

    invoice_email(invoice, pdf).send()


# --- Reactions to the booking's life and to payments ----------------------------------------


def _credit_across(booking: Booking, amount_cents: int, reason: str) -> list[Invoice]:
    """Credit up to ``amount_cents`` over the booking's invoices, latest first."""
    notes: list[Invoice] = []
    left = amount_cents
    invoices = booking.invoices.exclude(kind=InvoiceKind.CREDIT_NOTE).order_by("-pk")
    for invoice in invoices:
        if left <= 0:
            break
        share = min(remaining_incl_vat(invoice), left)
        if share <= 0:
            continue
        note = credit_note_issue(invoice=invoice, amount_cents=share, reason=reason)
        notes.append(note)
        left -= note.total_incl_vat_cents
    return notes


def invoiced_net_cents(booking: Booking) -> int:
    """What the booking's invoices still claim: their totals minus their credit notes."""
    invoices = booking.invoices.exclude(kind=InvoiceKind.CREDIT_NOTE).prefetch_related(
        "credit_notes"
    )
    return sum(remaining_incl_vat(invoice) for invoice in invoices)


@transaction.atomic
def invoices_credit_cancellation(*, booking: Booking, refund_percent: int) -> list[Invoice]:
    """On cancellation, credit the share of what was invoiced that the policy gives back
    (``refund_percent`` of it); the rest stays invoiced as the cancellation charge. When what
    was invoiced was paid, the credit notes total the refund to the cent."""
    locked = _lock_booking(booking.pk)
    credit = percent_of(invoiced_net_cents(locked), refund_percent)
    reason = (
        f"Annulation de la réservation {locked.reference} (remboursement de {refund_percent} %)"
    )
    return _credit_across(locked, credit, reason)


@transaction.atomic
def invoice_credit_cancelled_share(*, invoice: Invoice, refund_percent: int) -> list[Invoice]:
    """A payment's invoice issued after its booking's cancellation was credited: credit the
    share of it the cancellation gives back, as the cancellation would have had it existed."""
    locked = _lock_booking(invoice.booking_id)
    credit = percent_of(remaining_incl_vat(invoice), refund_percent)
    reason = (
        f"Annulation de la réservation {locked.reference} (remboursement de {refund_percent} %)"
    )
    return _credit_across(locked, credit, reason)


@transaction.atomic
def invoices_credit_reduction(*, booking: Booking) -> list[Invoice]:
    """After a change, credit what the invoices claim beyond the new price (fewer participants).

    Only once the invoice (final or full) is issued: a deposit invoice alone stays as it is, and
    the final invoice, computed on the new price, deducts it."""
    locked = _lock_booking(booking.pk)
    if not _live(locked, InvoiceKind.INVOICE):
        return []
    excess = invoiced_net_cents(locked) - locked.total_cents
    if excess <= 0:
        return []
    reason = f"Réduction de la réservation {locked.reference} à {locked.participants} participants"
    return _credit_across(locked, excess, reason)


def invoice_mark_paid(*, invoice: Invoice, amount_cents: int, paid_at: datetime) -> None:
    """Record a payment against an invoice: the one update an issued invoice allows (its status,
    not its content), written with ``QuerySet.update`` since ``save()`` refuses."""
    with transaction.atomic():
        row = Invoice.objects.select_for_update().get(pk=invoice.pk)
        paid = row.paid_cents + amount_cents
        Invoice.objects.filter(pk=row.pk).update(
            paid_cents=paid, paid=paid >= row.total_incl_vat_cents, paid_at=paid_at
        )


def invoice_for_payment(
    *, booking: Booking, kind: str, amount_cents: int, paid_at: datetime
) -> Invoice:
    """A card payment succeeded: issue its deposit or final/full invoice marked paid, or mark the
    one already issued (by staff, before the payment) as paid."""
    invoice_kind = InvoiceKind.DEPOSIT if kind == DEPOSIT else InvoiceKind.INVOICE
    if invoice_kind == InvoiceKind.INVOICE:
        # Money received settles an unpaid deposit invoice first: the final invoice may only
        # deduct deposits that were paid (see _check_invoiceable).
        for deposit in _live(booking, InvoiceKind.DEPOSIT):
            if deposit.paid or amount_cents <= 0:
                continue
            share = min(amount_cents, deposit.total_incl_vat_cents - deposit.paid_cents)
            invoice_mark_paid(invoice=deposit, amount_cents=share, paid_at=paid_at)
            amount_cents -= share
            if amount_cents == 0:
                deposit.refresh_from_db()
                return deposit
    existing = _live(booking, invoice_kind)
    if existing:
        invoice_mark_paid(invoice=existing[-1], amount_cents=amount_cents, paid_at=paid_at)
        return existing[-1]
    target = kind if kind == DEPOSIT else FINAL if _live(booking, InvoiceKind.DEPOSIT) else FULL
    return invoice_issue(booking=booking, kind=target, paid_cents=amount_cents, paid_at=paid_at)


# --- The PDF --------------------------------------------------------------------------------


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The invoice's PDF: the stored one, or rendered now from the frozen row and stored once."""
    stored = bytes(invoice.pdf or b"")
    if invoice.pdf_rendered_at is not None and stored:
        return stored
    from invoicing.documents import render_invoice_pdf

    pdf = render_invoice_pdf(invoice)
    written = Invoice.objects.filter(pk=invoice.pk, pdf_rendered_at__isnull=True).update(
        pdf=pdf, pdf_rendered_at=timezone.now()
    )
    if not written:  # rendered meanwhile by another worker: serve the one stored
        return bytes(Invoice.objects.values_list("pdf", flat=True).get(pk=invoice.pk))
    return pdf
