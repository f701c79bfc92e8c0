"""A booking's participants (issue 18): the organiser's list, the self-registration link, and
the public self-registration endpoints behind it (services in bookings/participants.py).

- ``GET``/``PUT /bookings/{reference}/participants/``: the organiser's token, or staff
  (``bookings.view_booking`` to read, ``bookings.change_booking`` to change, even after the
  lock date). The participants' read-only link opens nothing here.
- ``POST /bookings/{reference}/registration-link/``: the organiser makes a new
  self-registration link (the token is answered once) or revokes it (``{"revoke": true}``).
- ``GET``/``POST /bookings/{reference}/registration/`` with ``X-Registration-Token``: what a
  participant needs to register (the visit, the places left, the lock date; never a name or
  a need of anyone else), and registering.
- ``GET``/``PUT /bookings/{reference}/registration/{id}/`` with ``X-Participant-Secret``: a
  self-registered participant reads and corrects their own entry.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import participants as service
from bookings.api.views import TOKEN_PARAMETER, BookingAccessMixin
from bookings.models import NEED_FLAGS, Booking, Participant, ParticipantCategory
from core.throttling import ClientScopedRateThrottle

REGISTRATION_HEADER = "HTTP_X_REGISTRATION_TOKEN"
SECRET_HEADER = "HTTP_X_PARTICIPANT_SECRET"  # noqa: S105 (a header name, not a secret)
REGISTRATION_PARAMETER = OpenApiParameter("X-Registration-Token", str, OpenApiParameter.HEADER)
SECRET_PARAMETER = OpenApiParameter("X-Participant-Secret", str, OpenApiParameter.HEADER)


# --- What is sent ---------------------------------------------------------------------------


class NeedsSerializer(serializers.Serializer[dict[str, Any]]):
    reduced_mobility = serializers.BooleanField(default=False)
    diet = serializers.BooleanField(default=False)
    hearing = serializers.BooleanField(default=False)
    sight = serializers.BooleanField(default=False)
    other = serializers.BooleanField(default=False)
    details = serializers.CharField(max_length=500, allow_blank=True, default="")


class EntrySerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=ParticipantCategory.choices)
    needs = NeedsSerializer(required=False)
    email = serializers.EmailField(allow_blank=True, default="")

    def entry(self) -> service.Entry:
        return _entry(self.validated_data)


def _entry(data: dict[str, Any]) -> service.Entry:
    needs = data.get("needs") or {}
    return service.Entry(
        id=data.get("id"),
        name=data["name"],
        category=data["category"],
        needs={**dict.fromkeys(NEED_FLAGS, False), "details": "", **needs},
        email=data.get("email", ""),
    )


class SelfEntrySerializer(EntrySerializer):
    """A participant's own entry: no ``id`` to name another entry."""

    id = None  # type: ignore[assignment]


class ParticipantListInputSerializer(serializers.Serializer[dict[str, Any]]):
    participants = EntrySerializer(many=True)


class RegistrationLinkInputSerializer(serializers.Serializer[dict[str, Any]]):
    revoke = serializers.BooleanField(default=False)


# --- What is answered -----------------------------------------------------------------------


class WarningSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()
    sites = serializers.ListField(child=serializers.CharField())


class ParticipantSerializer(serializers.Serializer[Participant]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    category = serializers.CharField()
    needs = serializers.SerializerMethodField()
    email = serializers.EmailField()
    entered_by = serializers.CharField()

    def get_needs(self, row: Participant) -> dict[str, Any]:
        return row.needs()


class RegistrationLinkStateSerializer(serializers.Serializer[Any]):
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField(allow_null=True)


class ParticipantListSerializer(serializers.Serializer[Any]):
    head_count = serializers.IntegerField()
    lock_at = serializers.DateTimeField()
    locked = serializers.BooleanField()
    participants = ParticipantSerializer(many=True)
    warnings = WarningSerializer(many=True)
    registration_link = RegistrationLinkStateSerializer()


class RegistrationLinkSerializer(serializers.Serializer[Any]):
    active = serializers.BooleanField()
    token = serializers.CharField(allow_null=True)
    url = serializers.CharField(allow_null=True)


class RegistrationInfoSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    itinerary = serializers.CharField()
    starts_at = serializers.DateTimeField()
    lock_at = serializers.DateTimeField()
    locked = serializers.BooleanField()
    places_left = serializers.IntegerField()


class SelfRegistrationSerializer(serializers.Serializer[Any]):
    participant = ParticipantSerializer()
    secret = serializers.CharField(allow_null=True)
    warnings = WarningSerializer(many=True)


def _list_answer(result: service.ParticipantList) -> dict[str, Any]:
    booking = result.booking
    link = getattr(booking, "registration_link", None)
    return ParticipantListSerializer(
        {
            "head_count": booking.participants,
            "lock_at": service.lock_at(booking),
            "locked": service.is_locked(booking),
            "participants": result.participants,
            "warnings": result.warnings,
            "registration_link": {
                "active": link is not None,
                "created_at": link.created_at if link is not None else None,
            },
        }
    ).data


def registration_url(booking: Booking, token: str) -> str:
    return f"{settings.SITE_URL}/bookings/{booking.reference}/register?token={token}"


# --- The organiser's views ------------------------------------------------------------------


class BookingParticipantsView(BookingAccessMixin, APIView):
    """``/bookings/{reference}/participants/``: the organiser's list of named participants."""

    permission_classes = [AllowAny]

    def staff_permission(self) -> str | None:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return "bookings.view_booking"
        return "bookings.change_booking"

    def _read(self, booking: Booking) -> Booking:
        return Booking.objects.select_related(
            "departure__itinerary__meeting_site", "registration_link"
        ).get(pk=booking.pk)

    @extend_schema(
        operation_id="v1_bookings_participants_retrieve",
        parameters=[TOKEN_PARAMETER],
        request=None,
        responses={200: ParticipantListSerializer},
    )
    def get(self, request: Request, reference: str) -> Response:
        """The booking's participants, their needs, the lock date and the link's state."""
        booking = self._read(self.get_object())
        return Response(_list_answer(service.participants_of(booking)))

    @extend_schema(
        operation_id="v1_bookings_participants_update",
        parameters=[TOKEN_PARAMETER],
        request=ParticipantListInputSerializer,
        responses={200: ParticipantListSerializer},
    )
    def put(self, request: Request, reference: str) -> Response:
        """Replace the whole list at once (at most the head count; before the lock date)."""
        booking = self.get_object()
        body = ParticipantListInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entries = [_entry(row) for row in body.validated_data["participants"]]
        result = service.participants_replace(booking=booking, entries=entries, actor=self._actor())
        return Response(
            _list_answer(
                service.ParticipantList(self._read(booking), result.participants, result.warnings)
            )
        )


class RegistrationLinkView(BookingAccessMixin, APIView):
    """``POST /bookings/{reference}/registration-link/``: make or revoke the link."""

    permission_classes = [AllowAny]

    def staff_permission(self) -> str | None:
        return "bookings.change_booking"

    @extend_schema(
        operation_id="v1_bookings_registration_link_create",
        parameters=[TOKEN_PARAMETER],
        request=RegistrationLinkInputSerializer,
        responses={200: RegistrationLinkSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        """A new self-registration link (replacing the earlier one), or ``revoke`` it."""
        booking = self.get_object()
        body = RegistrationLinkInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answer: dict[str, Any]
        if body.validated_data["revoke"]:
            service.registration_link_revoke(booking=booking, actor=self._actor())
            answer = {"active": False, "token": None, "url": None}
        else:
            token = service.registration_link_issue(booking=booking, actor=self._actor())
            answer = {"active": True, "token": token, "url": registration_url(booking, token)}
        return Response(RegistrationLinkSerializer(answer).data)


# --- The self-registration link's views -----------------------------------------------------


class _PublicView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "booking_lookup"

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response


class SelfRegistrationView(_PublicView):
    """``/bookings/{reference}/registration/``: a participant registers with the group's link."""

    def _booking(self, reference: str) -> Booking:
        booking = service.booking_for_registration(
            reference=reference, token=self.request.META.get(REGISTRATION_HEADER)
        )
        if booking is None:
            raise NotFound(_("This registration link does not work (any more)."))
        return booking

    @extend_schema(
        operation_id="v1_bookings_registration_retrieve",
        parameters=[REGISTRATION_PARAMETER],
        request=None,
        responses={200: RegistrationInfoSerializer},
    )
    def get(self, request: Request, reference: str) -> Response:
        """The visit and the places left; nothing about the other participants."""
        booking = self._booking(reference)
        departure = booking.departure
        return Response(
            RegistrationInfoSerializer(
                {
                    "reference": booking.reference,
                    "itinerary": departure.itinerary.title,
                    "starts_at": departure.starts_at,
                    "lock_at": service.lock_at(booking),
                    "locked": service.is_locked(booking),
                    "places_left": service.places_left(booking),
                }
            ).data
        )

    @extend_schema(
        operation_id="v1_bookings_registration_create",
        parameters=[REGISTRATION_PARAMETER],
        request=SelfEntrySerializer,
        responses={201: SelfRegistrationSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        """Add oneself; the answer carries the entry's secret, once, to correct it later."""
        booking = self._booking(reference)
        body = SelfEntrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = service.participant_self_register(booking=booking, entry=body.entry())
        answer = {"participant": done.participant, "secret": done.secret, "warnings": done.warnings}
        return Response(SelfRegistrationSerializer(answer).data, status=status.HTTP_201_CREATED)


class SelfRegistrationEntryView(_PublicView):
    """``/bookings/{reference}/registration/{id}/``: a participant's own entry, by its secret."""

    def _participant(self, reference: str, pk: int) -> Participant:
        row = service.participant_for_secret(
            reference=reference, pk=pk, secret=self.request.META.get(SECRET_HEADER)
        )
        if row is None:
            raise NotFound()
        return row

    @extend_schema(
        operation_id="v1_bookings_registration_entry_retrieve",
        parameters=[SECRET_PARAMETER],
        request=None,
        responses={200: ParticipantSerializer},
    )
    def get(self, request: Request, reference: str, pk: int) -> Response:
        """The participant's own entry."""
        return Response(ParticipantSerializer(self._participant(reference, pk)).data)

    @extend_schema(
        operation_id="v1_bookings_registration_entry_update",
        parameters=[SECRET_PARAMETER],
        request=SelfEntrySerializer,
        responses={200: SelfRegistrationSerializer},
    )
    def put(self, request: Request, reference: str, pk: int) -> Response:
        """Correct one's own entry (before the lock date)."""
        row = self._participant(reference, pk)
        body = SelfEntrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = service.participant_self_update(participant=row, entry=body.entry())
        answer = {"participant": done.participant, "secret": None, "warnings": done.warnings}
        return Response(SelfRegistrationSerializer(answer).data)
