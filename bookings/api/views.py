"""The bookings views: who may open a booking (``BookingAccessMixin``), and ``/bookings/``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from bookings import (
    placement,
    programme,
    retention,
    selectors,
    services,
    tasks,
)
from bookings.api.answers import (
    BookingSerializer,
    CreatedBookingSerializer,
    ErasureRequestSerializer,
    VisitSerializer,
    booking_answer_parts,
)
from bookings.api.inputs import (
    BookingChangeSerializer,
    BookingInputSerializer,
    BookingMoveSerializer,
    FindBookingSerializer,
    ReasonSerializer,
)
from bookings.calendar import booking_calendar
from bookings.inputs import BookingRequest
from bookings.models import Booking, BookingStatus, OrganisationType
from bookings.services import move as staff_changes
from core.filters import UtcIsoDateTimeFilter
from core.idempotency import idempotent
from core.permissions import StaffPermission, is_staff_user, staff_may
from core.serializers import (
    annotate_for,
    fresh_for,
)
from core.tasks import enqueue
from core.throttling import ClientScopedRateThrottle
from core.tokens import hash_token
from itineraries.models import Itinerary

TOKEN_HEADER = "HTTP_X_BOOKING_TOKEN"  # noqa: S105 (a header name, not a secret)
TOKEN_PARAMETER = OpenApiParameter("X-Booking-Token", str, OpenApiParameter.HEADER)

FIND_ANSWER = {
    "detail": _(
        "If this reference and this e-mail address match a booking, a fresh link to it has been "
        "sent to that address."
    )
}


class FindReferenceThrottle(SimpleRateThrottle):
    """ "Find my booking" per reference, whoever asks: bounds the e-mails one booking receives."""

    scope = "booking_find_reference"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        reference = request.data.get("reference") if hasattr(request.data, "get") else None
        if not isinstance(reference, str) or not reference.strip():
            return None  # refused by validation, and counted by the client's throttle
        ident = hash_token(reference.strip().upper())[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


# --- Views ----------------------------------------------------------------------------------


class BookingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=BookingStatus.choices)
    itinerary = filters.ModelChoiceFilter(
        field_name="departure__itinerary", to_field_name="slug", queryset=Itinerary.objects.all()
    )
    organisation_type = filters.ChoiceFilter(choices=OrganisationType.choices)
    from_ = UtcIsoDateTimeFilter(field_name="departure__starts_at", lookup_expr="gte")
    to = UtcIsoDateTimeFilter(field_name="departure__starts_at", lookup_expr="lt")

    class Meta:
        model = Booking
        fields = ["status", "itinerary", "organisation_type"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["from"] = self.filters.pop("from_")


# Type checkers see the mixin as the API view it is used with; at run time it is a plain class.
if TYPE_CHECKING:
    _ViewBase = APIView
else:
    _ViewBase = object


class BookingAccessMixin(_ViewBase):
    """Who may open a booking: the group with its token, or staff holding the permission.

    Used by this app's views and by the views other apps route under ``/bookings/{reference}/``
    (payments: ``checkout/``, ``payments/``): they name the permission a staff member needs in
    ``staff_permission`` and read the booking with ``get_object``.
    """

    # What the participants' link may also open: reading the visit, never changing it.
    reader_actions: frozenset[str] = frozenset()

    def staff_permission(self) -> str | None:
        raise NotImplementedError

    def _as_staff(self) -> bool:
        """Whether this request acts as the office: staff holding the action's permission."""
        perm = self.staff_permission()
        return perm is not None and staff_may(self.request, perm)

    def _token(self) -> str | None:
        token = self.request.META.get(TOKEN_HEADER) or self.request.query_params.get("token")
        return token or None

    def _actor(self) -> services.Actor:
        if self._as_staff():
            return services.Actor.staff(self.request.user)
        return services.Actor.group()

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # A booking's answer holds the group's contact and, on creation, its token: no cache,
        # shared or the browser's own, may keep it. The documents set their own policy.
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response

    def get_object(self) -> Booking:
        reference = self.kwargs["reference"]
        if self._as_staff():
            booking = (
                Booking.objects.select_related("departure__itinerary")
                .filter(reference=reference)
                .first()
            )
        elif self._token() is None and is_staff_user(self.request):
            # Staff without the action's permission and without the group's token.
            raise PermissionDenied()
        elif getattr(self, "action", None) in self.reader_actions:
            # The organiser's link or the participants' read-only one (bookings.links).
            booking = selectors.booking_for_reader(reference=reference, token=self._token())
        else:
            booking = selectors.booking_for_token(reference=reference, token=self._token())
        if booking is None:
            raise NotFound()
        return booking

    def _fresh(self, booking: Booking) -> Booking:
        """The booking read again, with what every answer part reads."""
        queryset = Booking.objects.select_related("departure__itinerary", "companion__departure")
        return annotate_for(booking_answer_parts, queryset).get(pk=booking.pk)

    def _answer(self, booking: Booking, code: int = status.HTTP_200_OK) -> Response:
        body = BookingSerializer(self._fresh(booking), context={"token": self._token()})
        return Response(body.data, status=code)


class BookingViewSet(
    BookingAccessMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Booking],
):
    """A group's booking, read and changed with its secret token; the back office for staff."""

    lookup_field = "reference"
    lookup_value_regex = "VA-[A-Z0-9]{6}"
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    throttle_classes = [ClientScopedRateThrottle]

    def get_throttles(self) -> list[Any]:
        if self.action == "find":
            # Per client (its address, or the signed-in user) and per reference asked about.
            self.throttle_scope = "booking_find"
            return [ClientScopedRateThrottle(), FindReferenceThrottle()]
        self.throttle_scope = "booking_create" if self.action == "create" else "booking_lookup"
        return super().get_throttles()

    # The permission each action needs on the staff path. "list", "confirm" and "decline" are
    # staff only; the others also serve the group with its token.
    staff_permissions: dict[str, str] = {
        "list": "bookings.view_booking",
        "retrieve": "bookings.view_booking",
        "programme": "bookings.view_booking",
        "calendar": "bookings.view_booking",
        "partial_update": "bookings.change_booking",
        "confirm": "bookings.confirm_booking",
        "decline": "bookings.confirm_booking",
        "cancel": "bookings.cancel_booking",
        "move": "bookings.change_booking",
    }
    staff_only = frozenset({"list", "confirm", "decline", "move"})
    reader_actions = frozenset({"visit", "programme", "calendar"})

    def staff_permission(self) -> str | None:
        return self.staff_permissions.get(self.action or "")

    def get_permissions(self) -> list[Any]:
        perm = self.staff_permission()
        if self.action in self.staff_only and perm is not None:
            return [StaffPermission(perm)]
        return [AllowAny()]

    def get_queryset(self) -> QuerySet[Booking]:
        queryset = selectors.staff_booking_queryset().order_by("-created_at", "-pk")
        return annotate_for(booking_answer_parts, queryset)

    @extend_schema(request=BookingInputSerializer, responses={201: CreatedBookingSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Book. A card booking also gets its Checkout URL for what is due now (payments).

        If Stripe cannot be reached the booking is still created (201, ``checkout_url`` null,
        ``checkout_error`` set): the group keeps its token and pays later with ``checkout/``.
        """
        serializer = BookingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        placed = placement.booking_place(
            request=BookingRequest.from_data(serializer.validated_data)
        )
        if placed.changed:
            booking = self._fresh(placed.booking)
        else:  # nothing read it since it was written: no second read of the row
            booking = fresh_for(booking_answer_parts, placed.booking)
        context = {
            "token": placed.token,
            "companion_token": placed.companion_token,
            "placement": placed,
        }
        body = CreatedBookingSerializer(booking, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("X-Booking-Token", str, OpenApiParameter.HEADER)],
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(self.get_object())

    @extend_schema(request=BookingChangeSerializer, responses={200: BookingSerializer})
    @idempotent
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        booking = self.get_object()
        serializer = BookingChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.booking_change(
            booking=booking, actor=self._actor(), **serializer.validated_data
        )
        return self._answer(booking)

    @extend_schema(
        request=ReasonSerializer,
        responses={
            200: inline_serializer(
                "Cancellation",
                {
                    "booking": BookingSerializer(),
                    "refund_percent": serializers.IntegerField(),
                    "refund_cents": serializers.IntegerField(),
                },
            )
        },
    )
    @idempotent
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, reference: str) -> Response:
        booking = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.booking_cancel(
            booking=booking, actor=self._actor(), reason=serializer.validated_data.get("reason", "")
        )
        body = self._answer(result.booking).data
        return Response(
            {
                "booking": body,
                "refund_percent": result.refund_percent,
                "refund_cents": result.refund_cents,
                "currency": "EUR",
            }
        )

    @extend_schema(request=BookingMoveSerializer, responses={200: BookingSerializer})
    @idempotent
    @action(detail=True, methods=["post"])
    def move(self, request: Request, reference: str) -> Response:
        """Staff: move the booking to another date (bookings.services.move); the group is
        e-mailed the new date."""
        booking = self.get_object()
        serializer = BookingMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = staff_changes.booking_move(
            booking=booking,
            actor=services.Actor.staff(request.user),
            departure_id=serializer.validated_data.get("departure"),
            starts_at=serializer.validated_data.get("starts_at"),
        )
        return self._answer(moved.booking)

    @extend_schema(request=None, responses={200: BookingSerializer})
    @idempotent
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, reference: str) -> Response:
        booking = services.booking_confirm(
            booking=self.get_object(), actor=services.Actor.staff(request.user)
        )
        return self._answer(booking)

    @extend_schema(request=ReasonSerializer, responses={200: BookingSerializer})
    @idempotent
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, reference: str) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.booking_decline(
            booking=self.get_object(),
            actor=services.Actor.staff(request.user),
            reason=serializer.validated_data.get("reason", ""),
        )
        return self._answer(booking)

    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="personal-data",
        pagination_class=None,
        filter_backends=[],
    )
    def personal_data(self, request: Request, reference: str) -> HttpResponse:
        """Everything the office holds about the group of this booking, as a JSON file (GDPR
        art. 15 and 20): the booking, its audit trail, payments, refunds and invoices."""
        booking = self.get_object()
        data = retention.booking_personal_data(booking=booking)
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json")
        filename = f"{booking.reference}-personal-data.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        return response

    @extend_schema(
        parameters=[TOKEN_PARAMETER], request=None, responses={202: ErasureRequestSerializer}
    )
    @action(detail=True, methods=["post"], url_path="erasure-request")
    def erasure_request(self, request: Request, reference: str) -> Response:
        """Ask for the group's personal data to be erased (GDPR art. 17). Staff act on it; the
        answer says what defers it. Asking again answers the first request."""
        result = retention.booking_erasure_request(booking=self.get_object(), actor=self._actor())
        return Response(ErasureRequestSerializer(result).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=FindBookingSerializer, responses={202: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def find(self, request: Request) -> Response:
        """ "Find my booking": a fresh organiser link is e-mailed to the booking's contact when the
        reference and the e-mail match. The answer is the same whether or not they do."""
        serializer = FindBookingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = selectors.booking_for_contact(
            reference=serializer.validated_data["reference"],
            email=serializer.validated_data["email"],
        )
        if booking is not None:
            # The token is issued by the task when it writes the e-mail: none in the queue.
            enqueue(tasks.send_booking_email, booking.pk, "link")
        return Response(FIND_ANSWER, status=status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=[TOKEN_PARAMETER], responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def visit(self, request: Request, reference: str) -> Response:
        """The visit for the participants' read-only link: programme, times, meeting point."""
        booking = self.get_object()
        return Response(VisitSerializer(booking, context={"token": self._token()}).data)

    @extend_schema(responses={(200, "text/calendar"): bytes})
    def calendar(self, request: Request, reference: str) -> HttpResponse:
        """The visit as an iCalendar file (routed in backend/api.py, without a trailing slash)."""
        booking = self.get_object()
        response = HttpResponse(
            booking_calendar(booking), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("X-Booking-Token", str, OpenApiParameter.HEADER),
            OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER),
        ],
        responses={(200, "application/pdf"): bytes, 304: None},
    )
    def programme(self, request: Request, reference: str) -> HttpResponse:
        """The visit programme as a PDF, in the booking's language (routed in backend/api.py).

        The ETag is the booking's version: send it back in If-None-Match to get 304 until the
        booking, its departure or the itinerary changes.
        """
        token = None if self._as_staff() else self._token()
        head = None if token is None else programme.programme_head(reference, token)
        if head is None:
            versions = programme.programme_versions_read(reference)
            booking = self.get_object()
            version = programme.programme_version(booking)
            head = programme.ProgrammeHead(
                version,
                programme.programme_filename(booking),
                programme.programme_pdf(booking, version=version),
            )
            if token is not None:
                programme.programme_head_store(booking, token, versions, head)
        etag = f'"{head.version}"'
        wanted = {
            tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))
        }
        if etag in wanted or "*" in wanted:
            response: HttpResponse = HttpResponseNotModified()
        else:
            response = HttpResponse(head.pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{head.filename}"'
        response["ETag"] = etag
        response["Cache-Control"] = "private"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        return response
