"""Payments API: Checkout for card bookings, offline payments for staff, the Stripe webhook.

``PaymentBookingViewSet`` extends the bookings views (payments may import bookings; bookings
never imports payments) and is what ``backend/api.py`` registers for ``bookings``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import api as bookings_api
from bookings import services as booking_services
from bookings import staggered
from bookings.models import Booking, BookingStatus
from bookings.models import PaymentMethod as BookingPaymentMethod
from core.errors import DomainError
from core.idempotency import idempotent
from core.permissions import StaffPermission
from core.problems import problem_response
from payments import selectors, services, stripe_gateway, webhooks
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


class PaymentBookingSerializer(bookings_api.BookingSerializer):
    """The booking with what was paid, what is due and what was refunded.

    Expects a booking annotated by ``payments.selectors.with_payment_totals``.
    """

    amount_due_cents = serializers.SerializerMethodField()
    amount_due_now = serializers.SerializerMethodField()
    amount_refunded_cents = serializers.SerializerMethodField()
    amount_refund_pending_cents = serializers.SerializerMethodField()

    class Meta(bookings_api.BookingSerializer.Meta):
        fields = [
            *bookings_api.BookingSerializer.Meta.fields,
            "amount_due_cents",
            "amount_due_now",
            "amount_refunded_cents",
            "amount_refund_pending_cents",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_checkout_url(self, obj: Booking) -> str | None:
        if not selectors.payable_by_card_now(obj):
            return None
        return getattr(obj, "open_checkout_url", None) or None

    def get_amount_due_cents(self, obj: Booking) -> int:
        return selectors.amount_outstanding(obj)

    @extend_schema_field(DUE_NOW)
    def get_amount_due_now(self, obj: Booking) -> dict[str, Any]:
        due = selectors.amount_due_now(obj)
        return {"amount_cents": due.amount_cents, "kind": due.kind}

    def get_amount_refunded_cents(self, obj: Booking) -> int:
        return int(getattr(obj, "refunded_cents", 0))

    def get_amount_refund_pending_cents(self, obj: Booking) -> int:
        return int(getattr(obj, "refund_pending_cents", 0))


class CreatedPaymentBookingSerializer(PaymentBookingSerializer):
    token = serializers.SerializerMethodField()
    checkout_error = serializers.SerializerMethodField()

    class Meta(PaymentBookingSerializer.Meta):
        fields = [
            "reference",
            "token",
            *PaymentBookingSerializer.Meta.fields[1:],
            "checkout_error",
        ]

    def get_token(self, obj: Booking) -> str | None:
        return self._token()

    @extend_schema_field(CHECKOUT_ERROR)
    def get_checkout_error(self, obj: Booking) -> dict[str, str] | None:
        return self.context.get("checkout_error")


class CheckoutSerializer(serializers.Serializer[Any]):
    checkout_url = serializers.URLField()
    amount_cents = serializers.IntegerField()
    kind = serializers.CharField()
    currency = serializers.CharField()
    expires_at = serializers.DateTimeField()


# --- Views ----------------------------------------------------------------------------------


class PaymentBookingViewSet(bookings_api.BookingViewSet):
    """Bookings, with card Checkout for groups and offline payments for staff."""

    serializer_class = PaymentBookingSerializer

    def staff_permission(self) -> str | None:
        if self.action == "payments":
            return (
                "payments.view_payment"
                if self.request.method == "GET"
                else "payments.record_payment"
            )
        if self.action == "checkout":
            return "bookings.view_booking"
        return super().staff_permission()

    def get_permissions(self) -> list[Any]:
        if self.action == "payments":
            return [StaffPermission(self.staff_permission() or "")]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[Booking]:
        return selectors.with_payment_totals(super().get_queryset())

    def _fresh(self, booking: Booking) -> Booking:
        return selectors.with_payment_totals(
            Booking.objects.select_related("departure__itinerary", "companion__departure")
        ).get(pk=booking.pk)

    def _answer(self, booking: Booking, code: int = status.HTTP_200_OK) -> Response:
        body = PaymentBookingSerializer(self._fresh(booking), context={"token": self._token()})
        return Response(body.data, status=code)

    @extend_schema(
        request=bookings_api.BookingInputSerializer,
        responses={201: CreatedPaymentBookingSerializer},
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Book; a card booking also gets its Checkout URL for what is due now.

        If Stripe cannot be reached the booking is still created (201, ``checkout_url`` null,
        ``checkout_error`` set): the group keeps its token and pays later with ``checkout/``.
        """
        serializer = bookings_api.BookingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data.get("split") is not None:
            # Two groups on staggered times: on invoice only (bookings.staggered), no checkout.
            (booking, token), (_other, other_token) = staggered.booking_create_staggered(
                data=serializer.validated_data
            )
            body = CreatedPaymentBookingSerializer(
                selectors.as_new_booking(booking),
                context={"token": token, "companion_token": other_token, "checkout_error": None},
            ).data
            return Response(body, status=status.HTTP_201_CREATED)
        if serializer.validated_data["payment_method"] == BookingPaymentMethod.CARD:
            services.check_card_payments_enabled()  # before anything is written
        booking, token = booking_services.booking_create(data=serializer.validated_data)
        checkout_error = None
        if booking.status == BookingStatus.PENDING_PAYMENT:
            try:
                services.payment_checkout(booking=booking)
            except DomainError as exc:
                if exc.status != status.HTTP_503_SERVICE_UNAVAILABLE:
                    raise
                checkout_error = {"code": exc.code, "message": str(exc.message)}
            booking = self._fresh(booking)  # the Checkout Session changed it
        else:
            booking = selectors.as_new_booking(booking)
        body = CreatedPaymentBookingSerializer(
            booking, context={"token": token, "checkout_error": checkout_error}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CheckoutSerializer})
    @idempotent
    @action(detail=True, methods=["post"])
    def checkout(self, request: Request, reference: str) -> Response:
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

    @extend_schema(methods=["GET"], request=None, responses={200: PaymentSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=OfflinePaymentInputSerializer,
        responses={201: PaymentSerializer},
    )
    @idempotent
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def payments(self, request: Request, reference: str) -> Response:
        """Staff: the booking's payments; record a transfer, a mandate or a cheque."""
        booking = self.get_object()
        if request.method == "GET":
            rows = Payment.objects.filter(booking=booking).order_by("created_at", "pk")
            return Response(PaymentSerializer(rows, many=True).data)
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
                status.HTTP_400_BAD_REQUEST, "invalid_payload", "The body is not a Stripe event."
            )
        record = webhooks.stripe_event_receive(event=event)
        return Response(
            {"received": True, "status": record.status if record is not None else "duplicate"}
        )
