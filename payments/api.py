"""Payments API: Checkout for card bookings, offline payments for staff, the Stripe webhook.

The bookings app owns ``/bookings/``; payments owns two of its sub-resources (``checkout/`` and
``payments/``, routed in ``backend/api.py``) and contributes, by name (``payments.apps``), the
amounts of every booking answer (``BOOKING_PAYMENTS``), the creation answer's
``checkout_error`` (``CREATED_BOOKING_CHECKOUT``) and the steps of placing a booking
(``payments.services.placement_check_card`` and ``placement_open_checkout``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api import BookingAccessMixin
from bookings.models import Booking
from core.idempotency import idempotent
from core.permissions import StaffPermission
from core.problems import problem_response
from core.serializers import AnswerPart, ComputedField
from core.throttling import ClientScopedRateThrottle
from payments import errors, selectors, services, stripe_gateway, webhooks
from payments.models import OFFLINE_METHODS, Payment

# --- Serializers ----------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer[Payment]):
    class Meta:
        model = Payment
        fields = [
            "id",
            "method",
            "kind",
            "amount_cents",
            "refunded_cents",
            "currency",
            "status",
            "reference",
            "paid_at",
            "disputed_at",
            "created_at",
        ]


class OfflinePaymentInputSerializer(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=[(m.value, m.label) for m in OFFLINE_METHODS])
    # Zero and negative amounts are refused by the service, with their own error code.
    amount_cents = serializers.IntegerField(min_value=-(10**9), max_value=10**9)
    date = serializers.DateField()
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)


DUE_NOW = inline_serializer(
    "AmountDueNow",
    {
        "amount_cents": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=["deposit", "balance", "full"]),
    },
)
CHECKOUT_ERROR = inline_serializer(
    "CheckoutError",
    {"code": serializers.CharField(), "message": serializers.CharField()},
    allow_null=True,
)


class CheckoutSerializer(serializers.Serializer[Any]):
    checkout_url = serializers.URLField()
    amount_cents = serializers.IntegerField()
    kind = serializers.CharField()
    currency = serializers.CharField()
    expires_at = serializers.DateTimeField()


# --- What payments adds to the bookings' answers and to placing a booking --------------------


def _checkout_url(booking: Booking, context: Any) -> str | None:
    if not selectors.payable_by_card_now(booking):
        return None
    return getattr(booking, "open_checkout_url", None) or None


def _due_now(booking: Booking, context: Any) -> dict[str, Any]:
    due = selectors.amount_due_now(booking)
    return {"amount_cents": due.amount_cents, "kind": due.kind}


# Registered into ``bookings.api.booking_answer_parts`` (payments.apps): what was paid, is due
# and was refunded, read by ``with_payment_totals`` in the bookings' own query.
BOOKING_PAYMENTS = AnswerPart(
    fields={
        "checkout_url": ComputedField(_checkout_url, schema=serializers.URLField(allow_null=True)),
        "amount_due_cents": ComputedField(
            lambda booking, context: selectors.amount_outstanding(booking),
            schema=serializers.IntegerField(),
        ),
        "amount_due_now": ComputedField(_due_now, schema=DUE_NOW),
        "amount_refunded_cents": ComputedField(
            lambda booking, context: int(getattr(booking, "refunded_cents", 0)),
            schema=serializers.IntegerField(),
        ),
        "amount_refund_pending_cents": ComputedField(
            lambda booking, context: int(getattr(booking, "refund_pending_cents", 0)),
            schema=serializers.IntegerField(),
        ),
    },
    annotate=selectors.with_payment_totals,
    fresh=selectors.as_new_booking,
)

# Registered into ``bookings.api.created_booking_answer_parts``: why a card booking has no
# Checkout URL yet (Stripe could not be reached; the group pays later with ``checkout/``).
CREATED_BOOKING_CHECKOUT = AnswerPart(
    fields={
        "checkout_error": ComputedField(
            lambda booking, context: context["placement"].answer.get("checkout_error"),
            schema=CHECKOUT_ERROR,
        )
    }
)


# --- Views ----------------------------------------------------------------------------------


class _BookingPaymentView(BookingAccessMixin, APIView):
    """A sub-resource of a booking that payments owns, opened as the bookings app opens it."""

    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "booking_lookup"
    filter_backends: list[Any] = []
    pagination_class = None


class BookingCheckoutView(_BookingPaymentView):
    """``POST /bookings/{reference}/checkout/``: the group (or staff) opens card payment."""

    permission_classes = [AllowAny]

    def staff_permission(self) -> str | None:
        return "bookings.view_booking"

    @extend_schema(
        operation_id="v1_bookings_checkout_create",
        request=None,
        responses={200: CheckoutSerializer},
    )
    @idempotent
    def post(self, request: Request, reference: str) -> Response:
        """A Checkout Session for what is due now (the balance, or after a session expired)."""
        payment = services.payment_checkout(booking=self.get_object())
        return Response(
            CheckoutSerializer(
                {
                    "checkout_url": payment.checkout_url,
                    "amount_cents": payment.amount_cents,
                    "kind": payment.kind,
                    "currency": payment.currency,
                    "expires_at": payment.checkout_expires_at,
                }
            ).data
        )


class BookingPaymentsView(_BookingPaymentView):
    """``/bookings/{reference}/payments/``: staff list payments and record offline ones."""

    def staff_permission(self) -> str | None:
        if self.request.method == "GET":
            return "payments.view_payment"
        return "payments.record_payment"

    def get_permissions(self) -> list[Any]:
        return [StaffPermission(self.staff_permission() or "")]

    @extend_schema(
        operation_id="v1_bookings_payments_list",
        request=None,
        responses={200: PaymentSerializer(many=True)},
    )
    def get(self, request: Request, reference: str) -> Response:
        """Staff: the booking's payments."""
        booking = self.get_object()
        rows = Payment.objects.filter(booking=booking).order_by("created_at", "pk")
        return Response(PaymentSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="v1_bookings_payments_create",
        request=OfflinePaymentInputSerializer,
        responses={201: PaymentSerializer},
    )
    @idempotent
    def post(self, request: Request, reference: str) -> Response:
        """Staff: record a transfer, a mandate or a cheque."""
        booking = self.get_object()
        serializer = OfflinePaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = services.payment_record_offline(
            booking=booking,
            method=data["method"],
            amount_cents=data["amount_cents"],
            paid_on=data["date"],
            reference=data.get("reference", ""),
            actor=services.Actor.staff(request.user),
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class StripeWebhookView(APIView):
    """Stripe's events, verified on the raw body; no session, no CSRF, no throttling."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "WebhookReceived",
                {"received": serializers.BooleanField(), "status": serializers.CharField()},
            )
        },
    )
    def post(self, request: Request) -> Any:
        try:
            event = stripe_gateway.verify_webhook(
                request.body, request.META.get("HTTP_STRIPE_SIGNATURE")
            )
        except stripe_gateway.WebhookRejected as exc:
            return problem_response(status.HTTP_400_BAD_REQUEST, exc.code, str(exc))
        data = event.get("data")
        if (
            not isinstance(event.get("id"), str)
            or not isinstance(event.get("type"), str)
            or not isinstance(data, dict)
            or not isinstance(data.get("object"), dict)
        ):
            return problem_response(
                status.HTTP_400_BAD_REQUEST,
                errors.INVALID_PAYLOAD,
                "The body is not a Stripe event.",
            )
        record = webhooks.stripe_event_receive(event=event)
        return Response(
            {"received": True, "status": record.status if record is not None else "duplicate"}
        )
