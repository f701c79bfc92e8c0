"""What the bookings API answers: the booking (with what the apps above add), the visit."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from drf_spectacular.utils import (
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers

from bookings import (
    links,
    selectors,
    services,
)
from bookings.calendar import booking_page_url
from bookings.models import Booking, BookingStatus
from core.extensions import ExtensionPoint
from core.serializers import (
    AnswerPart,
    ContributedFieldsMixin,
    PrototypeFieldsMixin,
)

booking_answer_parts = ExtensionPoint[AnswerPart]("bookings.booking_answer_parts")
created_booking_answer_parts = ExtensionPoint[AnswerPart]("bookings.created_booking_answer_parts")

# --- Output ---------------------------------------------------------------------------------

PERSONAL_DATA_STATE = inline_serializer(
    "PersonalDataState",
    {
        "erasure_requested_at": serializers.DateTimeField(allow_null=True),
        "anonymised_at": serializers.DateTimeField(allow_null=True),
    },
)

INVOICED = inline_serializer(
    "Invoiced",
    {
        "net_cents": serializers.IntegerField(),
        "paid_cents": serializers.IntegerField(),
        "due_cents": serializers.IntegerField(),
    },
    allow_null=True,
)


COMPANION = inline_serializer(
    "Companion",
    {
        "reference": serializers.CharField(),
        "participants": serializers.IntegerField(),
        "status": serializers.ChoiceField(choices=BookingStatus.choices),
        "starts_at": serializers.DateTimeField(),
        "ends_at": serializers.DateTimeField(),
        "total_cents": serializers.IntegerField(),
        # On creation only: the other group's secret link, shown once like the booking's own.
        "token": serializers.CharField(required=False),
        "booking_page": serializers.URLField(required=False),
    },
    allow_null=True,
)


class BookingSerializer(
    ContributedFieldsMixin, PrototypeFieldsMixin, serializers.ModelSerializer[Booking]
):
    """A booking, with the fields the apps above add (``booking_answer_parts``)."""

    answer_points: tuple[ExtensionPoint[AnswerPart], ...] = (booking_answer_parts,)

    departure = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    billing = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    cancellation_terms = serializers.SerializerMethodField()
    invoiced = serializers.SerializerMethodField()
    personal_data = serializers.SerializerMethodField()
    companion = serializers.SerializerMethodField()

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
            "links",
            "cancellation_terms",
            "invoiced",
            "notes",
            "personal_data",
            "companion",
            "created_at",
            "updated_at",
        ]

    def _token(self) -> str | None:
        return self.context.get("token")

    @extend_schema_field(COMPANION)
    def get_companion(self, obj: Booking) -> dict[str, Any] | None:
        """The other sub-group of two groups on staggered times (bookings.services.staggered), or
        None. Its link only in the answer to the request that created both (``companion_token``):
        later, only its hash is stored, and each group's e-mails carry its own link."""
        if obj.companion_id is None:
            return None  # no query for a booking on its own
        other = obj.companion
        assert other is not None
        field = serializers.DateTimeField()
        body = {
            "reference": other.reference,
            "participants": other.participants,
            "status": other.status,
            "starts_at": field.to_representation(other.departure.starts_at),
            "ends_at": field.to_representation(other.departure.ends_at),
            "total_cents": other.total_cents,
        }
        if token := self.context.get("companion_token"):
            body["token"] = token
            body["booking_page"] = booking_page_url(other, token)
        return body

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

    @extend_schema_field(INVOICED)
    def get_invoiced(self, obj: Booking) -> dict[str, int] | None:
        """What the invoices still claim (after a cancellation: the fee), paid and due."""
        invoiced = selectors.booking_invoiced(obj)
        return None if invoiced is None else asdict(invoiced)

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
    """The answer to ``POST /bookings/``: the booking with its token, shown this once."""

    answer_points = (booking_answer_parts, created_booking_answer_parts)

    token = serializers.SerializerMethodField()

    class Meta(BookingSerializer.Meta):
        fields = ["reference", "token", *BookingSerializer.Meta.fields[1:]]

    def get_token(self, obj: Booking) -> str | None:
        return self._token()


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
