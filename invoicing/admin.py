"""Admin: the seller profile is edited here; invoices are read-only, issued through the services.

The "issue" actions sit on the bookings list (an invoice is issued for a booking) and call
``invoice_issue``, exactly as ``POST /api/v1/invoices/`` does.
"""

from __future__ import annotations

from types import MethodType
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Booking
from core.admin_display import ReadOnlyModelAdmin, euros, price_table, rows_table
from core.errors import DomainError
from core.money import parse_euros
from core.permissions import admin_permission
from invoicing import services
from invoicing.late_payment import LatePayment, invoice_late_payment
from invoicing.models import EcbRate, Invoice, InvoiceKind, InvoiceSequence, SellerProfile


@admin.register(SellerProfile)
class SellerProfileAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "siret", "vat_number", "is_demo"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not SellerProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EcbRate)
class EcbRateAdmin(admin.ModelAdmin):
    """The ECB main refinancing rate, a row per change: the late-payment interest reads the rate
    in force on the first day of the half-year in which it starts to run. No delete: a rate an
    interest was computed with stays on record (a wrong one is corrected in place)."""

    list_display = ["in_force_from", "rate"]
    ordering = ["-in_force_from"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def late_payment_text(owed: LatePayment | None) -> str:
    """One line for staff: what a late invoice owes today (interest, indemnity, total)."""
    if owed is None:
        return "-"
    if owed.interest_cents is None or owed.ecb_rate is None:
        interest = _("interest unknown: no ECB rate recorded on %(day)s") % {
            "day": owed.rate_reference_date.strftime("%d/%m/%Y")
        }
    else:
        interest = _(
            "interest %(amount)s (%(days)d days at %(rate)s %%: ECB %(ecb)s %% in force on "
            "%(day)s + %(points)s points)"
        ) % {
            "amount": euros(owed.interest_cents),
            "days": owed.days_late,
            "rate": number_format(owed.ecb_rate + owed.margin_points, 2),
            "ecb": number_format(owed.ecb_rate, 2),
            "day": owed.rate_reference_date.strftime("%d/%m/%Y"),
            "points": number_format(owed.margin_points, 2),
        }
    if owed.paid_on is not None:
        return _(
            "paid late on %(paid_on)s: %(interest)s, fixed indemnity %(indemnity)s: %(total)s "
            "owed on %(principal)s paid late"
        ) % {
            "paid_on": owed.paid_on.strftime("%d/%m/%Y"),
            "interest": interest,
            "indemnity": euros(owed.indemnity_cents),
            "total": euros(owed.total_cents),
            "principal": euros(owed.principal_cents),
        }
    return _("%(interest)s, fixed indemnity %(indemnity)s: %(total)s owed on top of %(left)s") % {
        "interest": interest,
        "indemnity": euros(owed.indemnity_cents),
        "total": euros(owed.total_cents),
        "left": euros(owed.principal_cents),
    }


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(ReadOnlyModelAdmin):
    list_display = ["series", "year", "last_number"]


# Field labels of the seller and buyer snapshots, in the staff member's language.
SNAPSHOT_LABELS = {
    "legal_name": gettext_lazy("Legal name"),
    "name": gettext_lazy("Name"),
    "legal_form": gettext_lazy("Legal form"),
    "address": gettext_lazy("Address"),
    "postal_code": gettext_lazy("Postal code"),
    "city": gettext_lazy("City"),
    "country": gettext_lazy("Country"),
    "siren": "SIREN",
    "siret": "SIRET",
    "vat_number": gettext_lazy("VAT number"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "iban": "IBAN",
    "bic": "BIC",
    "purchase_order": gettext_lazy("Purchase order"),
    "service_code": gettext_lazy("Service code"),
}


def _snapshot(data: dict[str, Any] | None) -> Any:
    rows = [
        (SNAPSHOT_LABELS.get(key, key.replace("_", " ").capitalize()), value)
        for key, value in (data or {}).items()
        if value not in ("", None, [], {})
    ]
    return rows_table(rows) if rows else "-"


class CreditNoteForm(forms.Form):
    amount = forms.CharField(
        label=gettext_lazy("Amount incl. VAT (€)"),
        required=False,
        help_text=gettext_lazy("In euros; empty: all that remains creditable."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255)

    def clean_amount(self) -> int | None:
        text = self.cleaned_data["amount"].strip()
        if not text:
            return None
        try:
            cents = parse_euros(text)
        except ValueError:
            raise forms.ValidationError(_("Type an amount in euros, e.g. 540,00.")) from None
        if cents <= 0:
            raise forms.ValidationError(_("The amount must be positive."))
        return cents


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """View only: no add, change or delete permission, whoever asks. The PDF, a credit note
    and the accounting export are links to the same services as the API."""

    list_display = [
        "number",
        "kind",
        "booking",
        "issue_date",
        "total",
        "paid",
        "credited_invoice",
        "pdf_link",
    ]
    list_filter = ["kind", "paid", "issue_date"]
    search_fields = ["number", "booking__reference", "buyer__name"]
    date_hierarchy = "issue_date"
    list_select_related = ["booking", "credited_invoice"]
    fields = [
        "number",
        "kind",
        "purpose",
        "booking",
        "issue_date",
        "service_date",
        "due_date",
        "late_payment",
        "pdf_link",
        "credit_note_link",
        "seller_table",
        "buyer_table",
        "lines_table",
        "total_excl_vat",
        "vat",
        "total",
        "deposits_deducted",
        "prepaid",
        "paid",
        "paid_amount",
        "paid_at",
        "credited_invoice",
        "reason",
        "created_at",
    ]
    readonly_fields = list(fields)  # type: ignore[arg-type]
    change_list_template = "admin/invoicing/invoice/change_list.html"
    has_issue_credit_note_permission = admin_permission("invoicing.issue_credit_note")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # not even "delete selected"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("PDF"))
    def pdf_link(self, obj: Invoice) -> Any:
        return format_html(
            '<a href="/api/v1/invoices/{}/pdf" target="_blank" rel="noopener">{}</a>',
            obj.number,
            _("PDF"),
        )

    @admin.display(description=gettext_lazy("Credit note"))
    def credit_note_link(self, obj: Invoice) -> Any:
        if obj.kind == InvoiceKind.CREDIT_NOTE:
            return "-"
        url = reverse("admin:invoicing_invoice_credit_note", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Issue a credit note"))

    @admin.display(description=gettext_lazy("Late payment owed today"))
    def late_payment(self, obj: Invoice) -> str:
        return late_payment_text(invoice_late_payment(obj))

    @admin.display(description=gettext_lazy("Seller"))
    def seller_table(self, obj: Invoice) -> Any:
        return _snapshot(obj.seller)

    @admin.display(description=gettext_lazy("Buyer"))
    def buyer_table(self, obj: Invoice) -> Any:
        return _snapshot(obj.buyer)

    @admin.display(description=gettext_lazy("Lines"))
    def lines_table(self, obj: Invoice) -> Any:
        return price_table({"lines": obj.lines})

    @admin.display(description=gettext_lazy("Total excl. VAT"))
    def total_excl_vat(self, obj: Invoice) -> str:
        return euros(obj.total_excl_vat_cents)

    @admin.display(description=gettext_lazy("VAT"))
    def vat(self, obj: Invoice) -> str:
        return euros(obj.vat_cents)

    @admin.display(description=gettext_lazy("Total incl. VAT"), ordering="total_incl_vat_cents")
    def total(self, obj: Invoice) -> str:
        return euros(obj.total_incl_vat_cents)

    @admin.display(description=gettext_lazy("Deposits deducted"))
    def deposits_deducted(self, obj: Invoice) -> str:
        return euros(obj.deposits_deducted_cents)

    @admin.display(description=gettext_lazy("Paid at issue"))
    def prepaid(self, obj: Invoice) -> str:
        return euros(obj.prepaid_cents)

    @admin.display(description=gettext_lazy("Amount paid"))
    def paid_amount(self, obj: Invoice) -> str:
        return euros(obj.paid_cents)

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/credit-note/",
                self.admin_site.admin_view(self.credit_note_view),
                name="invoicing_invoice_credit_note",
            )
        ]
        return extra + super().get_urls()

    def credit_note_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Issue a credit note through ``credit_note_issue``, as the API's credit-note action."""
        if not request.user.has_perm("invoicing.issue_credit_note"):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=pk)
        form = CreditNoteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                note = services.credit_note_issue(
                    invoice=invoice,
                    amount_cents=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(
                    request,
                    _("Credit note %(number)s issued for %(amount)s.")
                    % {"number": note.number, "amount": euros(abs(note.total_incl_vat_cents))},
                    level=messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:invoicing_invoice_change", args=[note.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "invoice": invoice,
            "remaining": euros(services.remaining_incl_vat(invoice)),
            "title": _("Credit note on invoice %(number)s") % {"number": invoice.number},
        }
        return TemplateResponse(request, "admin/invoicing/invoice/credit_note.html", context)


def _issue(request: HttpRequest, queryset: QuerySet[Booking], kind: str) -> None:
    done = 0
    for booking in queryset:
        try:
            invoice = services.invoice_issue(booking=booking, kind=kind)
        except DomainError as exc:
            messages.error(request, f"{booking.reference}: {exc.message}")
        else:
            done += 1
            messages.success(
                request,
                _("%(reference)s: invoice %(number)s issued for %(amount)s.")
                % {
                    "reference": booking.reference,
                    "number": invoice.number,
                    "amount": euros(invoice.total_incl_vat_cents),
                },
            )
    if not done and not queryset:
        messages.warning(request, _("No booking selected."))


@admin.action(description=gettext_lazy("Issue the deposit invoice"), permissions=["issue_invoice"])
def issue_deposit_invoice(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Booking]
) -> None:
    _issue(request, queryset, services.DEPOSIT)


@admin.action(
    description=gettext_lazy("Issue the final invoice (deducting the deposit invoice)"),
    permissions=["issue_invoice"],
)
def issue_final_invoice(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Booking]
) -> None:
    _issue(request, queryset, services.FINAL)


@admin.action(
    description=gettext_lazy("Issue a single invoice for everything"), permissions=["issue_invoice"]
)
def issue_full_invoice(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Booking]
) -> None:
    _issue(request, queryset, services.FULL)


# Added to the bookings admin from here: bookings never imports invoicing.
_booking_admin = admin.site.get_model_admin(Booking)
_booking_admin.actions = [
    *(_booking_admin.actions or []),
    issue_deposit_invoice,
    issue_final_invoice,
    issue_full_invoice,
]
# The permission the actions above name, as the API's POST /api/v1/invoices/ needs it.
_booking_admin.has_issue_invoice_permission = MethodType(  # type: ignore[attr-defined]
    admin_permission("invoicing.issue_invoice"), _booking_admin
)
