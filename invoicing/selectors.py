"""Reads of the invoicing app."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from bookings.models import Booking
from invoicing.cii import money
from invoicing.models import Invoice, InvoiceKind


def invoice_queryset() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("booking", "credited_invoice").defer("pdf")


def _signed_total() -> Case:
    """An invoice's total with the sign of what it claims: a credit note gives back."""
    return Case(
        When(kind=InvoiceKind.CREDIT_NOTE, then=-F("total_incl_vat_cents")),
        default=F("total_incl_vat_cents"),
        output_field=IntegerField(),
    )


def with_invoiced_net(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate ``invoiced_net_total_cents`` in the same query (lists: no query per booking).

    Registered into ``bookings.selectors.booking_list_annotations``."""
    net = (
        Invoice.objects.filter(booking=OuterRef("pk"))
        .order_by()
        .values("booking")
        .annotate(net=Sum(_signed_total()))
        .values("net")
    )
    return qs.annotate(
        invoiced_net_total_cents=Coalesce(Subquery(net), Value(0), output_field=IntegerField())
    )


def booking_invoiced_net_cents(booking: Booking) -> int:
    """What the booking's issued invoices still claim: their totals minus their credit notes
    (``invoicing.services.invoiced_net_cents`` in one query).

    Registered into ``bookings.selectors.invoiced_net``; reads the annotation of
    ``with_invoiced_net`` when the booking carries it."""
    annotated = getattr(booking, "invoiced_net_total_cents", None)
    if annotated is not None:
        return int(annotated)
    total = Invoice.objects.filter(booking_id=booking.pk).aggregate(
        net=Coalesce(Sum(_signed_total()), Value(0), output_field=IntegerField())
    )["net"]
    return int(total)


# A spreadsheet runs a cell that begins with one of these as a formula (CSV injection).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """A text cell of the export, quoted so that a spreadsheet shows it instead of running it.

    Only text that comes from people (names, references) goes through here; the amounts are
    written by us and stay numbers, negative ones included.
    """
    return "'" + value if value.startswith(FORMULA_LEADS) else value


def invoices_csv(*, date_from: date | None, date_to: date | None) -> str:
    """One line per invoice issued in [from, to], oldest first; a column of VAT per rate seen.

    Amounts in euros with a dot (``123.45``); a credit note's amounts are negative, so that the
    columns add up to the revenue of the period.
    """
    invoices = invoice_queryset().order_by("issue_date", "kind", "number")
    if date_from:
        invoices = invoices.filter(issue_date__gte=date_from)
    if date_to:
        invoices = invoices.filter(issue_date__lte=date_to)
    rows = list(invoices)
    rates = sorted(
        {row["vat_rate"] for invoice in rows for row in invoice.vat_breakdown},
        key=Decimal,
        reverse=True,
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "date",
            "number",
            "kind",
            "buyer",
            "buyer_siret",
            "booking",
            "total_excl_vat",
            *[f"vat_{rate}" for rate in rates],
            "vat_total",
            "total_incl_vat",
            "paid",
            "due_date",
            "credited_invoice",
        ]
    )
    for invoice in rows:
        sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1
        vat = {row["vat_rate"]: row["vat_cents"] for row in invoice.vat_breakdown}
        writer.writerow(
            [
                invoice.issue_date.isoformat(),
                invoice.number,
                invoice.kind,
                csv_text(invoice.buyer.get("name", "")),
                csv_text(invoice.buyer.get("siret", "")),
                csv_text(invoice.booking.reference),
                money(sign * invoice.total_excl_vat_cents),
                *[money(sign * vat.get(rate, 0)) for rate in rates],
                money(sign * invoice.vat_cents),
                money(sign * invoice.total_incl_vat_cents),
                "yes" if invoice.paid else "no",
                invoice.due_date.isoformat(),
                invoice.credited_invoice.number if invoice.credited_invoice else "",
            ]
        )
    return out.getvalue()
