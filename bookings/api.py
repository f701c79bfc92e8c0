"""Bookings API: groups book and manage their booking with its token; staff run the office."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.http import parse_etags
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from stdnum import luhn

from bookings import links, programme, retention, selectors, services, tasks
from bookings.calendar import booking_calendar, booking_page_url
from bookings.models import Booking, BookingStatus, OrganisationType, PaymentMethod
from core.cache import cached_read
from core.filters import UtcIsoDateTimeFilter
from core.idempotency import idempotent
from core.permissions import StaffPermission, is_staff_user, staff_may
from core.serializers import PrototypeFieldsMixin
from core.tasks import enqueue
from core.throttling import ClientScopedRateThrottle
from core.tokens import hash_token
from itineraries import api as catalogue
from itineraries.models import Departure, Itinerary, Language

TOKEN_HEADER = "HTTP_X_BOOKING_TOKEN"  # noqa: S105 (a header name, not a secret)
TOKEN_PARAMETER = OpenApiParameter("X-Booking-Token", str, OpenApiParameter.HEADER)
MAX_AVAILABILITY_DAYS = 92

# --- Input ----------------------------------------------------------------------------------


LA_POSTE_SIREN = "356000000"


def siret_is_valid(value: str) -> bool:
    """14 digits whose Luhn check holds (La Poste's establishments use a digit sum mod 5)."""
    if len(value) != 14 or not value.isdigit():
        return False
    if value.startswith(LA_POSTE_SIREN):
        return sum(int(digit) for digit in value) % 5 == 0
    return bool(luhn.is_valid(value))


def validate_siret(value: str) -> None:
    if value and not siret_is_valid(value):
        raise serializers.ValidationError(
            _("A SIRET has 14 digits and a valid check digit."), code="invalid_siret"
        )


class OrganisationSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=OrganisationType.choices)
    siret = serializers.CharField(
        max_length=14, required=False, allow_blank=True, validators=[validate_siret]
    )
    vat_number = serializers.RegexField(
        r"^[A-Z]{2}[0-9A-Z]{2,13}$", max_length=20, required=False, allow_blank=True
    )


class ContactSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    phone = serializers.RegexField(r"^\+?[0-9 ().-]{6,30}$", required=False, allow_blank=True)


class ContactChangeSerializer(ContactSerializer):
    name = serializers.CharField(max_length=200, required=False)
    email = serializers.EmailField(max_length=254, required=False)


class BillingSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=120, required=False, allow_blank=True)
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False, allow_blank=True)
    purchase_order = serializers.CharField(max_length=60, required=False, allow_blank=True)
    service_code = serializers.CharField(max_length=100, required=False, allow_blank=True)


class BookingInputSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    departure = serializers.IntegerField(min_value=1, required=False)
    itinerary = serializers.SlugField(required=False)
    starts_at = serializers.DateTimeField(required=False)
    participants = serializers.IntegerField(min_value=1, max_value=1000)
    language = serializers.ChoiceField(choices=Language.choices)
    options = serializers.ListField(
        child=serializers.SlugField(max_length=50), required=False, max_length=20
    )
    organisation = OrganisationSerializer()
    contact = ContactSerializer()
    billing = BillingSerializer(required=False)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    # The version of the terms of sale the group accepted (bookings.terms); the one in force.
    terms_version = serializers.CharField(max_length=20)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        public = attrs.get("departure") is not None
        private = attrs.get("itinerary") is not None or attrs.get("starts_at") is not None
        if public == private:
            raise serializers.ValidationError(
                {"departure": _("Give either a departure, or an itinerary and a start time.")},
                code="departure_or_private_date",
            )
        if private:
            missing = {
                name: serializers.ErrorDetail(str(_("This field is required.")), code="required")
                for name in ("itinerary", "starts_at")
                if attrs.get(name) is None
            }
            if missing:
                raise serializers.ValidationError(missing)
        if attrs["payment_method"] == PaymentMethod.INVOICE:
            billing = attrs.get("billing") or {}
            missing = {
                f"billing.{name}": serializers.ErrorDetail(
                    str(_("Required for payment by invoice.")), code="billing_address_required"
                )
                for name in ("address", "postal_code", "city")
                if not billing.get(name)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class BookingChangeSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    participants = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    contact = ContactChangeSerializer(required=False)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReasonSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


# --- Output ---------------------------------------------------------------------------------

PERSONAL_DATA_STATE = inline_serializer(
    "PersonalDataState",
    {
        "erasure_requested_at": serializers.DateTimeField(allow_null=True),
        "anonymised_at": serializers.DateTimeField(allow_null=True),
    },
)


class BookingSerializer(PrototypeFieldsMixin, serializers.ModelSerializer[Booking]):
    departure = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    billing = serializers.SerializerMethodField()
    checkout_url = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    cancellation_terms = serializers.SerializerMethodField()
    personal_data = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = [
            "reference",
            "status",
            "hold_expires_at",
            "departure",
            "participants",
            "language",
            "options",
            "organisation",
            "contact",
            "billing",
            "payment_method",
            "price",
            "amount_paid_cents",
            "checkout_url",
            "links",
            "cancellation_terms",
            "notes",
            "personal_data",
            "created_at",
            "updated_at",
        ]

    def _token(self) -> str | None:
        return self.context.get("token")

    def get_departure(self, obj: Booking) -> dict[str, Any]:
        departure = obj.departure
        return {
            "id": departure.pk,
            "itinerary": departure.itinerary.slug,
            "title": departure.itinerary.title,
            "starts_at": serializers.DateTimeField().to_representation(departure.starts_at),
            "ends_at": serializers.DateTimeField().to_representation(departure.ends_at),
            "language": departure.language,
            "kind": departure.kind,
            "status": departure.status,
            "meeting_point": departure.itinerary.meeting_point,
        }

    def get_organisation(self, obj: Booking) -> dict[str, str]:
        return {
            "name": obj.organisation_name,
            "type": obj.organisation_type,
            "siret": obj.siret,
            "vat_number": obj.vat_number,
        }

    def get_contact(self, obj: Booking) -> dict[str, str]:
        return {"name": obj.contact_name, "email": obj.contact_email, "phone": obj.contact_phone}

    def get_billing(self, obj: Booking) -> dict[str, str]:
        return {
            "address": obj.billing_address,
            "postal_code": obj.billing_postal_code,
            "city": obj.billing_city,
            "country": obj.billing_country,
            "purchase_order": obj.purchase_order,
            "service_code": obj.service_code,
        }

    def get_checkout_url(self, obj: Booking) -> str | None:
        return None  # the payments app's booking views fill it in (payments/api.py)

    def get_links(self, obj: Booking) -> dict[str, str]:
        token = self._token()
        suffix = f"?token={token}" if token else ""
        api = f"{settings.SITE_URL}/api/v1/bookings/{obj.reference}"
        return {
            "booking_page": booking_page_url(obj, token),
            "programme": f"{api}/programme.pdf{suffix}",
            "calendar": f"{api}/calendar.ics{suffix}",
            # The read-only link the organiser shares with the participants (bookings.links).
            "participants": links.participants_url(obj),
        }

    def get_cancellation_terms(self, obj: Booking) -> dict[str, int] | None:
        if obj.status not in (
            BookingStatus.CONFIRMED,
            BookingStatus.REQUESTED,
            BookingStatus.PENDING_PAYMENT,
        ):
            return None
        return services.cancellation_terms(obj)

    @extend_schema_field(PERSONAL_DATA_STATE)
    def get_personal_data(self, obj: Booking) -> dict[str, str | None]:
        """Whether the group asked for erasure, and whether its data were erased (GDPR)."""
        field = serializers.DateTimeField()
        moments = {
            "erasure_requested_at": obj.erasure_requested_at,
            "anonymised_at": obj.anonymised_at,
        }
        return {
            name: None if value is None else field.to_representation(value)
            for name, value in moments.items()
        }


class BlockerSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()


class ErasureRequestSerializer(serializers.Serializer[Any]):
    """What became of the group's erasure request: ``pending`` (staff act on it within a month),
    ``deferred`` (``blocked_by`` says why: the visit to come, money still open) or ``done``."""

    status = serializers.ChoiceField(choices=["pending", "deferred", "done"])
    requested_at = serializers.DateTimeField(source="booking.erasure_requested_at", allow_null=True)
    anonymised_at = serializers.DateTimeField(source="booking.anonymised_at", allow_null=True)
    blocked_by = BlockerSerializer(many=True)


class CreatedBookingSerializer(BookingSerializer):
    token = serializers.SerializerMethodField()

    class Meta(BookingSerializer.Meta):
        fields = ["reference", "token", *BookingSerializer.Meta.fields[1:]]

    def get_token(self, obj: Booking) -> str | None:
        return self._token()


class FindBookingSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(max_length=20)
    email = serializers.EmailField(max_length=254)


FIND_ANSWER = {
    "detail": _(
        "If this reference and this e-mail address match a booking, a fresh link to it has been "
        "sent to that address."
    )
}


class VisitSerializer(serializers.Serializer[Any]):
    """What the participants' link shows: the visit, never the contact, the price or a change."""

    def to_representation(self, instance: Booking) -> dict[str, Any]:
        departure = instance.departure
        itinerary = departure.itinerary
        when = serializers.DateTimeField()
        token = self.context.get("token") or ""
        api = f"{settings.SITE_URL}/api/v1/bookings/{instance.reference}"
        site = itinerary.meeting_site
        stops = []
        for stop in itinerary.stops.select_related("site").order_by("position"):
            begins = departure.starts_at + timedelta(minutes=stop.offset_minutes)
            stops.append(
                {
                    "starts_at": when.to_representation(begins),
                    "ends_at": when.to_representation(
                        begins + timedelta(minutes=stop.duration_minutes)
                    ),
                    "title": stop.title,
                    "site": stop.site.name,
                }
            )
        return {
            "reference": instance.reference,
            "status": instance.status,
            "itinerary": itinerary.slug,
            "title": itinerary.title,
            "language": instance.language,
            "participants": instance.participants,
            "starts_at": when.to_representation(departure.starts_at),
            "ends_at": when.to_representation(departure.ends_at),
            "meeting_point": itinerary.meeting_point,
            "meeting_site": None
            if site is None
            else {"latitude": str(site.latitude), "longitude": str(site.longitude)},
            "stops": stops,
            "links": {
                "programme": f"{api}/programme.pdf?token={token}",
                "calendar": f"{api}/calendar.ics?token={token}",
            },
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


class BookingViewSet(
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
    }
    staff_only = frozenset({"list", "confirm", "decline"})
    # What the participants' link may also open: reading the visit, never changing it.
    reader_actions = frozenset({"visit", "programme", "calendar"})

    def staff_permission(self) -> str | None:
        return self.staff_permissions.get(self.action or "")

    def get_permissions(self) -> list[Any]:
        perm = self.staff_permission()
        if self.action in self.staff_only and perm is not None:
            return [StaffPermission(perm)]
        return [AllowAny()]

    def _as_staff(self) -> bool:
        """Whether this request acts as the office: staff holding the action's permission."""
        perm = self.staff_permission()
        return perm is not None and staff_may(self.request, perm)

    def get_queryset(self) -> QuerySet[Booking]:
        return selectors.staff_booking_queryset().order_by("-created_at", "-pk")

    def _token(self) -> str | None:
        token = self.request.META.get(TOKEN_HEADER) or self.request.query_params.get("token")
        return token or None

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
        elif self.action in self.reader_actions:
            # The organiser's link or the participants' read-only one (bookings.links).
            booking = selectors.booking_for_reader(reference=reference, token=self._token())
        else:
            booking = selectors.booking_for_token(reference=reference, token=self._token())
        if booking is None:
            raise NotFound()
        return booking

    def _answer(self, booking: Booking, code: int = status.HTTP_200_OK) -> Response:
        fresh = Booking.objects.select_related("departure__itinerary").get(pk=booking.pk)
        return Response(
            BookingSerializer(fresh, context={"token": self._token()}).data, status=code
        )

    @extend_schema(request=BookingInputSerializer, responses={201: CreatedBookingSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = BookingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking, token = services.booking_create(data=serializer.validated_data)
        body = CreatedBookingSerializer(booking, context={"token": token}).data
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

    def _actor(self) -> services.Actor:
        if self._as_staff():
            return services.Actor.staff(self.request.user)
        return services.Actor.group()

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


class DepartureWithSeatsSerializer(catalogue.DepartureSerializer):
    seats_left = serializers.SerializerMethodField()

    class Meta(catalogue.DepartureSerializer.Meta):
        fields = [*catalogue.DepartureSerializer.Meta.fields, "seats_left"]

    def get_seats_left(self, obj: Departure) -> int:
        taken = getattr(obj, "seats_taken_now", None)
        if taken is None:
            taken = selectors.seats_taken(departure_id=obj.pk)
        return max(obj.capacity - taken, 0)


class DepartureViewSet(catalogue.DepartureViewSet):
    """Departures with the seats left; staff cancel a whole departure here."""

    serializer_class = DepartureWithSeatsSerializer

    def get_permissions(self) -> list[Any]:
        if self.action == "cancel":
            return [StaffPermission("itineraries.cancel_departure")]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[Departure]:
        return selectors.with_seats_taken(super().get_queryset())

    @extend_schema(request=ReasonSerializer, responses={200: DepartureWithSeatsSerializer})
    @idempotent
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        departure = self.get_object()
        cancelled = services.departure_cancel(
            departure=departure,
            actor=services.Actor.staff(request.user),
            reason=serializer.validated_data.get("reason", ""),
        )
        departure = self.get_queryset().get(pk=departure.pk)
        body = DepartureWithSeatsSerializer(departure).data
        return Response({**body, "bookings_cancelled": [b.reference for b in cancelled]})


class AvailabilityQuerySerializer(serializers.Serializer[Any]):
    to = serializers.DateField(required=False)
    participants = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ``from`` is a Python keyword, so the field is added by name here.
        self.fields["from"] = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first: date = attrs.get("from") or timezone.localdate()
        last: date = attrs.get("to") or first + timedelta(days=30)
        if last < first:
            raise serializers.ValidationError(
                {"to": _("Must not be before from.")}, code="invalid_range"
            )
        if (last - first).days >= MAX_AVAILABILITY_DAYS:
            raise serializers.ValidationError(
                {"to": _("At most %(days)d days at a time.") % {"days": MAX_AVAILABILITY_DAYS}},
                code="range_too_long",
            )
        attrs["from"], attrs["to"] = first, last
        return attrs


class ItineraryViewSet(catalogue.ItineraryViewSet):
    """Itineraries, plus their availability by day."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", date),
            OpenApiParameter("to", date),
            OpenApiParameter("participants", int),
            OpenApiParameter(
                "language",
                str,
                enum=Language.values,
                description="Language of a private visit; by default any language offered.",
            ),
        ],
        responses={200: inline_serializer("Availability", {"days": serializers.ListField()})},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def availability(self, request: Request, slug: str) -> HttpResponse:
        def produce() -> Response:
            itinerary = self.get_object()
            query = AvailabilityQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            participants = query.validated_data.get("participants") or itinerary.min_participants
            days = selectors.availability(
                itinerary=itinerary,
                first_day=query.validated_data["from"],
                last_day=query.validated_data["to"],
                participants=participants,
                language=query.validated_data.get("language"),
            )
            body = {
                "itinerary": itinerary.slug,
                "participants": participants,
                "group": selectors.group_fit(itinerary, participants),
                "days": days,
            }
            return Response(body)

        # Short-lived: a hold that runs out frees seats without any write to invalidate on.
        return cached_read(request, ("catalogue", "availability"), produce, timeout=60)
