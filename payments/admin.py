"""Admin for payments: read-only rows; money moves only through the services (the actions and
the offline-payment form call the same services as the API)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from bookings.models import Booking
from core.errors import DomainError
from core.permissions import admin_permission
from payments import refunds, services
from payments.models import (
    OFFLINE_METHODS,
    Payment,
    PaymentStatus,
    Refund,
    RefundReason,
    StripeEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _staff(request: HttpRequest) -> services.Actor:
    return services.Actor.staff(request.user)


class RefundInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Refund
    extra = 0
    can_delete = False
    fields = ("amount_cents", "status", "reason", "stripe_refund_id", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OfflinePaymentForm(forms.Form):
    booking = forms.CharField(label="Booking reference", max_length=12)
    method = forms.ChoiceField(choices=[(m.value, m.label) for m in OFFLINE_METHODS])
    amount_cents = forms.IntegerField(label="Amount (cents)")
    date = forms.DateField(initial=timezone.localdate)
    reference = forms.CharField(max_length=100, required=False)

    def clean_booking(self) -> Booking:
        reference = self.cleaned_data["booking"].strip().upper()
        booking = Booking.objects.filter(reference=reference).first()
        if booking is None:
            raise forms.ValidationError("No booking has this reference.")
        return booking


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "booking",
        "method",
        "kind",
        "amount_cents",
        "refunded_cents",
        "status",
        "paid_at",
        "disputed_at",
    ]
    list_filter = ["method", "kind", "status"]
    search_fields = [
        "booking__reference",
        "reference",
        "stripe_payment_intent_id",
        "stripe_checkout_session_id",
    ]
    list_select_related = ["booking"]
    inlines = [RefundInline]
    actions = ["refund_in_full"]
    change_list_template = "admin/payments/payment/change_list.html"
    has_refund_payment_permission = admin_permission("payments.refund_payment")

    @admin.action(
        description="Refund what remains of the selected payments", permissions=["refund_payment"]
    )
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        done = 0
        for payment in queryset.filter(status=PaymentStatus.SUCCEEDED):
            try:
                refunds.refund_create(
                    payment=payment,
                    amount_cents=payment.amount_cents - payment.refunded_cents,
                    reason=RefundReason.STAFF,
                    actor=_staff(request),
                )
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{payment}: {exc.message}", level=messages.ERROR)
        if done:
            self.message_user(request, f"{done} refund(s) created.", level=messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "record-offline/",
                self.admin_site.admin_view(self.record_offline_view),
                name="payments_payment_record_offline",
            )
        ]
        return extra + super().get_urls()

    def record_offline_view(self, request: HttpRequest) -> HttpResponse:
        """Record a transfer, mandate or cheque through ``payment_record_offline``."""
        if not request.user.has_perm("payments.record_payment"):
            raise PermissionDenied
        form = OfflinePaymentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.payment_record_offline(
                    booking=data["booking"],
                    method=data["method"],
                    amount_cents=data["amount_cents"],
                    paid_on=data["date"],
                    reference=data["reference"],
                    actor=_staff(request),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                self.message_user(request, f"Recorded: {payment}", level=messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:payments_payment_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Record an offline payment",
        }
        return TemplateResponse(request, "admin/payments/payment/record_offline.html", context)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["payment", "amount_cents", "status", "reason", "stripe_refund_id", "created_at"]
    list_filter = ["status", "reason"]
    search_fields = ["payment__booking__reference", "stripe_refund_id"]
    list_select_related = ["payment__booking"]
    actions = ["mark_paid_back", "send_to_stripe_again"]
    has_refund_payment_permission = admin_permission("payments.refund_payment")

    @admin.action(
        description="Mark owed refunds as paid back (transfer, cheque)",
        permissions=["refund_payment"],
    )
    def mark_paid_back(self, request: HttpRequest, queryset: QuerySet[Refund]) -> None:
        for refund in queryset:
            try:
                refunds.refund_mark_paid(refund=refund, actor=_staff(request))
            except DomainError as exc:
                self.message_user(request, f"{refund}: {exc.message}", level=messages.ERROR)

    @admin.action(
        description="Send pending card refunds to Stripe again", permissions=["refund_payment"]
    )
    def send_to_stripe_again(self, request: HttpRequest, queryset: QuerySet[Refund]) -> None:
        for refund in queryset:
            refunds.refund_execute(refund_id=refund.pk)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """Filter on ``failed``: events refused by a service, or contradicting our records (another
    amount or currency, an object without id), which nothing was applied from."""

    list_display = ["stripe_id", "type", "status", "error", "received_at"]
    list_filter = ["status", "type"]
    search_fields = ["stripe_id"]
    readonly_fields = ["stripe_id", "type", "payload", "status", "error", "received_at"]
