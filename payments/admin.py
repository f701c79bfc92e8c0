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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bookings.models import Booking
from core.admin_display import euros, rows_table
from core.errors import DomainError
from core.money import parse_euros
from core.permissions import admin_permission
from payments import refunds, selectors, services
from payments.models import (
    OFFLINE_METHODS,
    Payment,
    PaymentStatus,
    Refund,
    RefundReason,
    StripeEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _staff(request: HttpRequest) -> services.Actor:
    return services.Actor.staff(request.user)


class RefundInline(admin.TabularInline):
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
    """A transfer, mandate or cheque, typed in euros (never cents)."""

    booking = forms.CharField(label=gettext_lazy("Booking reference"), max_length=12)
    method = forms.ChoiceField(
        label=gettext_lazy("Method"), choices=[(m.value, m.label) for m in OFFLINE_METHODS]
    )
    amount = forms.CharField(
        label=gettext_lazy("Amount (€)"),
        max_length=20,
        help_text=gettext_lazy("In euros, e.g. 540,00"),
    )
    date = forms.DateField(label=gettext_lazy("Date received"), initial=timezone.localdate)
    reference = forms.CharField(
        label=gettext_lazy("Bank or cheque reference"), max_length=100, required=False
    )
    confirm_mismatch = forms.BooleanField(
        label=gettext_lazy("Record this amount although it is neither the deposit nor the balance"),
        required=False,
    )

    def clean_booking(self) -> Booking:
        reference = self.cleaned_data["booking"].strip().upper()
        booking = Booking.objects.select_related("departure").filter(reference=reference).first()
        if booking is None:
            raise forms.ValidationError(_("No booking has this reference."))
        return booking

    def clean_amount(self) -> int:
        try:
            cents = parse_euros(self.cleaned_data["amount"])
        except ValueError:
            raise forms.ValidationError(_("Type an amount in euros, e.g. 540,00.")) from None
        if cents <= 0:
            raise forms.ValidationError(_("The amount must be positive."))
        return cents

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        booking, cents = data.get("booking"), data.get("amount")
        if isinstance(booking, Booking) and cents is not None:
            expected = expected_amounts(booking)
            if expected and cents not in expected.values() and not data.get("confirm_mismatch"):
                self.add_error(
                    "confirm_mismatch",
                    _(
                        "%(amount)s matches neither the deposit nor the balance (%(expected)s): "
                        "tick the box to record it anyway."
                    )
                    % {
                        "amount": euros(cents),
                        "expected": ", ".join(
                            f"{label} {euros(value)}" for label, value in expected.items()
                        ),
                    },
                )
        return data


def expected_amounts(booking: Booking) -> dict[str, int]:
    """The amounts a transfer normally carries: the deposit (nothing paid yet) or the balance."""
    outstanding = selectors.amount_outstanding(booking)
    if outstanding == 0:
        return {}
    expected = {}
    deposit = int(booking.price.get("deposit_cents") or 0)
    if booking.amount_paid_cents == 0 and 0 < deposit < outstanding:
        expected[_("deposit")] = deposit
    expected[_("balance")] = outstanding
    return expected


def what_it_settles(booking: Booking, cents: int) -> str:
    """In words, what recording ``cents`` does to the booking."""
    outstanding = selectors.amount_outstanding(booking)
    if cents > outstanding:
        return _("More than what remains due: it will be refused.")
    if cents == outstanding:
        return _("The balance: the booking will be paid in full.")
    if booking.amount_paid_cents == 0 and cents == int(booking.price.get("deposit_cents") or 0):
        return _("The deposit; %(left)s will remain due.") % {"left": euros(outstanding - cents)}
    return _("Part of what is due; %(left)s will remain due.") % {
        "left": euros(outstanding - cents)
    }


def due_summary(booking: Booking, cents: int | None) -> Any:
    rows: list[tuple[str, Any]] = [
        (_("Booking"), str(booking)),
        (_("Status"), booking.get_status_display()),
        (_("Total incl. VAT"), euros(booking.total_cents)),
        (_("Already paid"), euros(booking.amount_paid_cents)),
        (_("Remaining due"), euros(selectors.amount_outstanding(booking))),
    ]
    rows += [
        (label.capitalize(), euros(value)) for label, value in expected_amounts(booking).items()
    ]
    if cents:
        rows.append((_("This amount settles"), what_it_settles(booking, cents)))
    return rows_table(rows)


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
        description=gettext_lazy("Refund what remains of the selected payments"),
        permissions=["refund_payment"],
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
            self.message_user(
                request,
                ngettext("%(count)d refund created.", "%(count)d refunds created.", done)
                % {"count": done},
                level=messages.SUCCESS,
            )

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
        initial = {"booking": request.GET.get("booking", "")}
        form = OfflinePaymentForm(request.POST or None, initial=initial)
        summary = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.payment_record_offline(
                    booking=data["booking"],
                    method=data["method"],
                    amount_cents=data["amount"],
                    paid_on=data["date"],
                    reference=data["reference"],
                    actor=_staff(request),
                )
            except DomainError as exc:
                field = "amount" if exc.field == "amount_cents" else exc.field
                form.add_error(field if field in form.fields else None, str(exc.message))
            else:
                self.message_user(
                    request,
                    _("Recorded: %(amount)s for %(booking)s.")
                    % {"amount": euros(payment.amount_cents), "booking": data["booking"].reference},
                    level=messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:payments_payment_changelist"))
        booking = _form_booking(form, request)
        if booking is not None:
            cents = (
                form.cleaned_data.get("amount")
                if form.is_bound and hasattr(form, "cleaned_data")
                else None
            )
            summary = due_summary(booking, cents)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "summary": summary,
            "title": _("Record an offline payment"),
        }
        return TemplateResponse(request, "admin/payments/payment/record_offline.html", context)


def _form_booking(form: OfflinePaymentForm, request: HttpRequest) -> Booking | None:
    if form.is_bound and isinstance(getattr(form, "cleaned_data", {}).get("booking"), Booking):
        return form.cleaned_data["booking"]
    reference = (request.POST.get("booking") or request.GET.get("booking") or "").strip().upper()
    if not reference:
        return None
    return Booking.objects.filter(reference=reference).first()


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["payment", "amount_cents", "status", "reason", "stripe_refund_id", "created_at"]
    list_filter = ["status", "reason"]
    search_fields = ["payment__booking__reference", "stripe_refund_id"]
    list_select_related = ["payment__booking"]
    actions = ["mark_paid_back", "send_to_stripe_again"]
    has_refund_payment_permission = admin_permission("payments.refund_payment")

    @admin.action(
        description=gettext_lazy("Mark owed refunds as paid back (transfer, cheque)"),
        permissions=["refund_payment"],
    )
    def mark_paid_back(self, request: HttpRequest, queryset: QuerySet[Refund]) -> None:
        for refund in queryset:
            try:
                refunds.refund_mark_paid(refund=refund, actor=_staff(request))
            except DomainError as exc:
                self.message_user(request, f"{refund}: {exc.message}", level=messages.ERROR)

    @admin.action(
        description=gettext_lazy("Send pending card refunds to Stripe again"),
        permissions=["refund_payment"],
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
