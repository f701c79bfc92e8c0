"""Seller profile, invoice series counters and issued invoices (never changed, never deleted).

An issued ``Invoice`` row is immutable: ``save()`` refuses an update and ``delete()`` refuses, as
does a bulk delete (``pre_delete`` receiver in ``invoicing.receivers``). Two narrow exceptions,
written with ``QuerySet.update`` by ``invoicing.services`` only, never by ``save()``:

- the payment status (``paid``, ``paid_cents``, ``paid_at``), which is not part of the issued
  document: the PDF shows the status at issue time and is not rendered again;
- the PDF bytes, written once (``pdf_rendered_at`` from null to a date) after commit, from the
  row's own frozen content.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from core.models import Counter


class SellerProfile(models.Model):
    """The one seller (pk 1), edited in the admin. Snapshotted on every invoice at issue time."""

    legal_name = models.CharField(max_length=200, verbose_name=_("legal name"))
    legal_form = models.CharField(max_length=100, blank=True, verbose_name=_("legal form"))
    address = models.CharField(max_length=255, verbose_name=_("address"))
    postal_code = models.CharField(max_length=20, verbose_name=_("postal code"))
    city = models.CharField(max_length=120, verbose_name=_("city"))
    country = models.CharField(max_length=2, default="FR", verbose_name=_("country"))
    siren = models.CharField(max_length=9)
    siret = models.CharField(max_length=14)
    vat_number = models.CharField(max_length=20, blank=True, verbose_name=_("VAT number"))
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))
    iban = models.CharField(max_length=34)
    bic = models.CharField(max_length=11, blank=True)
    vat_regime_mention = models.CharField(
        max_length=255,
        help_text="Printed on every invoice, e.g. 'TVA acquittée sur les encaissements' or "
        "'TVA non applicable, art. 293 B du CGI' (to be confirmed by the administrator).",
        verbose_name=_("VAT regime mention"),
    )
    vat_on_debits = models.BooleanField(
        default=False,
        verbose_name=_("VAT paid on debits"),
        help_text=_(
            "The seller opted to pay VAT on debits (on the invoice) rather than on receipts: "
            "invoices then say so (a mention required by the e-invoicing reform)."
        ),
    )
    payment_terms_days = models.PositiveIntegerField(
        default=30, verbose_name=_("payment terms (days)")
    )
    late_payment_mention = models.CharField(
        max_length=255,
        default="Pénalités de retard : taux directeur de la BCE majoré de 10 points",
        verbose_name=_("late payment mention"),
    )
    # The late-payment rate of buyers that are not public (Code de commerce L441-10): the ECB
    # main refinancing rate (``EcbRate``) plus these points; 10 by default, as the law's own.
    # Public buyers owe the ECB rate plus 8 points whatever this says (invoicing.late_payment).
    late_payment_margin_points = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        help_text="Points added to the ECB rate for buyers that are not public (10 by law "
        "unless the terms of sale say more). Keep the late payment mention above in line.",
        verbose_name=_("late payment rate: points over the ECB rate"),
    )
    # The English wording of the two free-text mentions, printed in English documents (the
    # quote's PDF in English); blank: the French mention is printed.
    vat_regime_mention_en = models.CharField(
        max_length=255, blank=True, verbose_name=_("VAT regime mention (English)")
    )
    late_payment_mention_en = models.CharField(
        max_length=255, blank=True, verbose_name=_("late payment mention (English)")
    )
    is_demo = models.BooleanField(
        default=False,
        help_text="Demo data created automatically; untick once the real details are entered.",
        verbose_name=_("demonstration profile"),
    )

    class Meta:
        verbose_name = _("seller profile")
        verbose_name_plural = _("seller profile")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="seller_profile_single_row")]

    def __str__(self) -> str:
        return self.legal_name


class EcbRate(models.Model):
    """The ECB's main refinancing operations rate from a day on, kept by staff in the admin.

    A row per change decided by the ECB (the rate is in force from ``in_force_from``, the day
    the change takes effect). The late-payment interest reads the rate in force on the first
    day of the half-year in which the interest starts to run (``invoicing.late_payment``)."""

    in_force_from = models.DateField(unique=True, verbose_name=_("in force from"))
    rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        help_text="Percent a year, e.g. 2.15.",
        verbose_name=_("ECB main refinancing rate (%)"),
    )

    class Meta:
        ordering = ["-in_force_from"]
        verbose_name = _("ECB rate")
        verbose_name_plural = _("ECB rates")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=-10) & Q(rate__lte=50),
                name="ecb_rate_plausible",
                violation_error_message=_("An ECB rate lies between -10 %% and 50 %%."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.rate} % ({self.in_force_from:%Y-%m-%d})"


class InvoiceSeries(models.TextChoices):
    INVOICE = "F", _("Invoices and deposit invoices")
    CREDIT_NOTE = "AV", _("Credit notes")


class InvoiceSequence(Counter):
    """One counter row per series and year; locked (select_for_update) to take a number."""

    series = models.CharField(max_length=2, choices=InvoiceSeries.choices, verbose_name=_("series"))
    year = models.PositiveIntegerField(verbose_name=_("year"))

    class Meta:
        verbose_name = _("invoice sequence")
        verbose_name_plural = _("invoice sequences")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="invoice_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series}{self.year}: {self.last_number}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")  # final or full invoice (type 380)
    DEPOSIT = "deposit", _("Deposit invoice")  # facture d'acompte (type 386)
    CREDIT_NOTE = "credit_note", _("Credit note")  # facture d'avoir (type 381)


class Invoice(models.Model):
    number = models.CharField(max_length=20, unique=True, verbose_name=_("number"))
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices, verbose_name=_("kind"))
    # "full" or "final" for an invoice, "" otherwise: what the staff asked for.
    purpose = models.CharField(max_length=10, blank=True, verbose_name=_("purpose"))
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("booking")
    )
    issue_date = models.DateField(verbose_name=_("issue date"))
    service_date = models.DateField(verbose_name=_("service date"))
    due_date = models.DateField(verbose_name=_("due date"))
    seller = models.JSONField(verbose_name=_("seller"))
    buyer = models.JSONField(verbose_name=_("buyer"))
    # [{description, quantity, unit_price_cents, total_excl_vat_cents, vat_rate, vat_category}]
    lines = models.JSONField(verbose_name=_("lines"))
    # [{vat_rate, vat_category, total_excl_vat_cents, vat_cents}], rounded per rate (core.money)
    vat_breakdown = models.JSONField(verbose_name=_("VAT breakdown"))
    total_excl_vat_cents = models.BigIntegerField(verbose_name=_("total excl. VAT (cents)"))
    vat_cents = models.BigIntegerField(verbose_name=_("VAT (cents)"))
    total_incl_vat_cents = models.BigIntegerField(verbose_name=_("total incl. VAT (cents)"))
    deposits_deducted_cents = models.BigIntegerField(
        default=0, verbose_name=_("deposits deducted (cents)")
    )
    credited_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credited invoice"),
    )
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    # Paid when issued (a card payment): part of the document (Factur-X BT-113), never changes.
    prepaid_cents = models.BigIntegerField(default=0, verbose_name=_("prepaid (cents)"))
    # Payment status: the one part updated after issue (QuerySet.update in services).
    paid = models.BooleanField(default=False, verbose_name=_("paid"))
    paid_cents = models.BigIntegerField(default=0, verbose_name=_("paid (cents)"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    # The payment terms the invoice states when a contribution of ``invoicing.invoice_terms``
    # set them (a quote's terms): the days to pay (else the seller's, in the seller snapshot)
    # and a sentence printed with them (in the PDF and the Factur-X BT-20).
    payment_terms_days = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("payment terms (days)")
    )
    payment_terms_note = models.CharField(
        max_length=400, blank=True, verbose_name=_("payment terms note")
    )
    # PDF/A-3b with Factur-X, written once after commit (QuerySet.update in services).
    pdf = models.BinaryField(default=b"", editable=False)
    pdf_rendered_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("PDF rendered at")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-issue_date", "-number"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        # Invoices are never added or changed as rows: they are issued, credited and exported.
        permissions = [
            ("issue_invoice", "Can issue an invoice or a deposit invoice"),
            ("issue_credit_note", "Can issue a credit note"),
            ("export_accounts", "Can export the accounts"),
        ]
        indexes = [
            # The staff list's order (issue date, then id): a page read from the index; with the
            # date alone, a day's invoices were all sorted (bench/scale.py: 14,200 in one day).
            models.Index(fields=["issue_date", "id"], name="invoice_issue_order"),
            models.Index(fields=["booking", "kind"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="credit_note", credited_invoice__isnull=False)
                | (~Q(kind="credit_note") & Q(credited_invoice__isnull=True)),
                name="invoice_credit_note_references_invoice",
            ),
            models.CheckConstraint(
                condition=Q(
                    total_incl_vat_cents=models.F("total_excl_vat_cents") + models.F("vat_cents")
                ),
                name="invoice_totals_add_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("An issued invoice never changes: issue a credit note.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("An issued invoice is never deleted: issue a credit note.")

    @property
    def terms_days(self) -> int:
        """The days to pay this invoice states: its own terms, else the seller's at issue."""
        if self.payment_terms_days is not None:
            return self.payment_terms_days
        return int(self.seller.get("payment_terms_days", 30))

    @property
    def amount_due_cents(self) -> int:
        """Factur-X BT-115: what the buyer pays (on a credit note, what the seller gives back)."""
        return self.total_incl_vat_cents - self.prepaid_cents
