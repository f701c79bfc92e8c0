"""Admin: the seller profile is edited here; invoices are read-only, issued through the services.

The "issue" actions sit on the bookings list (an invoice is issued for a booking) and call
``invoice_issue``, exactly as ``POST /api/v1/invoices/`` does.
"""

from __future__ import annotations

from types import MethodType
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from bookings.models import Booking
from core.errors import DomainError
from core.permissions import admin_permission
from invoicing import services
from invoicing.models import Invoice, InvoiceSequence, SellerProfile


@admin.register(SellerProfile)
class SellerProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["legal_name", "siret", "vat_number", "is_demo"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not SellerProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InvoiceSequence)
class InvoiceSequenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["series", "year", "last_number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """View only: no add, change or delete permission, whoever asks."""

    list_display = [
        "number",
        "kind",
        "booking",
        "issue_date",
        "total_incl_vat_cents",
        "paid",
        "credited_invoice",
    ]
    list_filter = ["kind", "paid", "issue_date"]
    search_fields = ["number", "booking__reference", "buyer__name"]
    date_hierarchy = "issue_date"
    list_select_related = ["booking", "credited_invoice"]
    exclude = ["pdf"]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # not even "delete selected"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _issue(request: HttpRequest, queryset: QuerySet[Booking], kind: str) -> None:
    done = 0
    for booking in queryset:
        try:
            invoice = services.invoice_issue(booking=booking, kind=kind)
        except DomainError as exc:
            messages.error(request, f"{booking.reference}: {exc.message}")
        else:
            done += 1
            messages.success(request, f"{booking.reference}: {invoice.number}")
    if not done and not queryset:
        messages.warning(request, "No booking selected.")


@admin.action(description="Issue the deposit invoice", permissions=["issue_invoice"])
def issue_deposit_invoice(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Booking]
) -> None:
    _issue(request, queryset, services.DEPOSIT)


@admin.action(
    description="Issue the final invoice (deducting the deposit invoice)",
    permissions=["issue_invoice"],
)
def issue_final_invoice(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Booking]
) -> None:
    _issue(request, queryset, services.FINAL)


@admin.action(description="Issue a single invoice for everything", permissions=["issue_invoice"])
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
