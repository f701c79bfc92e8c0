"""The guide's day over HTTP: ``GET /guides/me/visits/`` (the manifests of the signed-in
guide's visits) and ``POST /guides/me/visits/{departure}/check-ins/`` (who came, idempotent by
``client_id``). Routed in ``backend/api.py`` before the router; guides only (``IsGuide``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.models import NEED_FLAGS
from guides.api import IsGuide, ScheduleQuerySerializer
from guides.models import Assignment
from guides.selectors import guide_schedule
from itineraries.models import Stop
from visits import checkins, manifest
from visits.emails import map_link

MAX_TICKS = 500


def _needs(participant: Any) -> dict[str, Any]:
    return participant.needs()


def _group(booking: Any) -> dict[str, Any]:
    return {
        "reference": booking.reference,
        "organisation": booking.organisation_name,
        "head_count": booking.participants,
        "status": booking.status,
        "contact_name": booking.contact_name,
        "contact_phone": booking.contact_phone,
        "participants": [
            {"id": p.pk, "name": p.name, "category": p.category, "needs": _needs(p)}
            for p in booking.named
        ],
    }


def _manifest(assignment: Assignment) -> dict[str, Any]:
    departure = assignment.departure
    itinerary = departure.itinerary
    stops = []
    for stop in itinerary.stops.all():
        begins = departure.starts_at + timedelta(minutes=stop.offset_minutes)
        stops.append(
            {
                "title": stop.title,
                "site": stop.site.name,
                "starts_at": serializers.DateTimeField().to_representation(begins),
                "minutes": stop.duration_minutes,
            }
        )
    groups = [_group(booking) for booking in departure.live_bookings]  # type: ignore[attr-defined]
    return {
        "departure": departure.pk,
        "role": assignment.role,
        "itinerary": itinerary.slug,
        "title": itinerary.title,
        "starts_at": serializers.DateTimeField().to_representation(departure.starts_at),
        "ends_at": serializers.DateTimeField().to_representation(departure.ends_at),
        "language": departure.language,
        "status": departure.status,
        "meeting_point": itinerary.meeting_point,
        "map_url": map_link(itinerary),
        "programme": stops,
        "head_count": sum(group["head_count"] for group in groups),
        "groups": groups,
        "attendance": checkins.attendance(departure),
        "seats_left": checkins.walk_ins_room(departure),
    }


_PARTICIPANT = inline_serializer(
    "ManifestParticipant",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "category": serializers.CharField(),
        "needs": inline_serializer(
            "ManifestNeeds",
            {
                **{flag: serializers.BooleanField() for flag in NEED_FLAGS},
                "details": serializers.CharField(),
            },
        ),
    },
)
_ATTENDANCE = serializers.DictField(
    child=inline_serializer(
        "GroupAttendance",
        {
            "present": serializers.ListField(child=serializers.IntegerField()),
            "absent": serializers.ListField(child=serializers.IntegerField()),
            "counted": serializers.IntegerField(allow_null=True),
            "walk_ins": serializers.IntegerField(
                help_text="People who came with the group without being on its list."
            ),
            "attended": serializers.IntegerField(help_text="Walk-ins included."),
        },
    ),
    help_text="Who came, per group reference (the latest tick per person or count).",
)
_MANIFEST = inline_serializer(
    "Manifest",
    {
        "departure": serializers.IntegerField(),
        "role": serializers.CharField(),
        "itinerary": serializers.CharField(),
        "title": serializers.CharField(),
        "starts_at": serializers.DateTimeField(),
        "ends_at": serializers.DateTimeField(),
        "language": serializers.CharField(),
        "status": serializers.CharField(),
        "meeting_point": serializers.CharField(),
        "map_url": serializers.URLField(),
        "programme": serializers.ListField(child=serializers.DictField()),
        "head_count": serializers.IntegerField(),
        "groups": serializers.ListField(
            child=inline_serializer(
                "ManifestGroup",
                {
                    "reference": serializers.CharField(),
                    "organisation": serializers.CharField(),
                    "head_count": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "contact_name": serializers.CharField(),
                    "contact_phone": serializers.CharField(),
                    "participants": serializers.ListField(child=_PARTICIPANT),
                },
            )
        ),
        "attendance": _ATTENDANCE,
        "seats_left": serializers.IntegerField(
            help_text="Seats left on the departure: the most walk-ins all its groups may have."
        ),
    },
)


class MyVisitsView(APIView):
    """The signed-in guide's visits between two days (default: from today, the next 7), each
    with its manifest: groups, head counts, names and needs, the organiser's phone, the meeting
    point and the programme, and who has been checked in."""

    permission_classes = [IsGuide]

    @extend_schema(
        operation_id="v1_guides_me_visits_list",
        parameters=[OpenApiParameter("from", date), OpenApiParameter("to", date)],
        responses={
            200: inline_serializer(
                "GuideVisits",
                {
                    "from": serializers.DateField(),
                    "to": serializers.DateField(),
                    "visits": serializers.ListField(child=_MANIFEST),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        query = VisitsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first, last = query.validated_data["from"], query.validated_data["to"]
        stops = Stop.objects.select_related("site").order_by("position")
        assignments = guide_schedule(
            guide=request.user.guide,  # type: ignore[union-attr]
            first_day=first,
            last_day=last,
        ).prefetch_related(Prefetch("departure__itinerary__stops", queryset=stops))
        return Response(
            {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "visits": [_manifest(assignment) for assignment in assignments],
            }
        )


class VisitsQuerySerializer(ScheduleQuerySerializer):
    default_days = 7


class TickSerializer(serializers.Serializer[Any]):
    client_id = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]{8,64}$",
        help_text="Made by the phone for this tick (a UUID): the same tick sent again counts once.",
    )
    at = serializers.DateTimeField(help_text="When the guide ticked, by the phone's clock.")
    participant = serializers.IntegerField(required=False, min_value=1)
    booking = serializers.CharField(required=False, max_length=12)
    count = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    walk_ins = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=1000,
        help_text="With booking: how many came with the group without being on its list.",
    )
    present = serializers.BooleanField(default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        forms = [
            set(attrs) & {"participant", "booking", "count", "walk_ins"} == form
            for form in ({"participant"}, {"booking", "count"}, {"booking", "walk_ins"})
        ]
        if sum(forms) != 1:
            raise serializers.ValidationError(
                _(
                    "Send either a participant, or a group's booking and its count, or a "
                    "group's booking and its walk-ins."
                ),
                code="participant_or_count",
            )
        return attrs


class CheckInsInputSerializer(serializers.Serializer[Any]):
    check_ins = serializers.ListField(
        child=TickSerializer(), allow_empty=False, max_length=MAX_TICKS
    )


class MyCheckInsView(APIView):
    """Record who came to a visit the signed-in guide leads (a list of ticks, all or none)."""

    permission_classes = [IsGuide]

    @extend_schema(
        operation_id="v1_guides_me_visits_check_ins_create",
        request=CheckInsInputSerializer,
        responses={
            200: inline_serializer(
                "CheckInsRecorded",
                {
                    "recorded": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(
                        help_text="Ticks already recorded (sent again): counted once."
                    ),
                    "attendance": _ATTENDANCE,
                },
            )
        },
    )
    def post(self, request: Request, departure: int) -> Response:
        guide = request.user.guide  # type: ignore[union-attr]
        found = checkins.assigned_departure(guide=guide, departure_id=departure)
        if found is None:
            raise Http404
        body = CheckInsInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticks = [
            checkins.Tick(
                client_id=row["client_id"],
                at=row["at"],
                participant_id=row.get("participant"),
                booking_reference=row.get("booking"),
                count=row.get("count"),
                walk_ins=row.get("walk_ins"),
                present=row["present"],
            )
            for row in body.validated_data["check_ins"]
        ]
        result = checkins.check_ins_record(
            guide=guide, departure=found, ticks=ticks, now=timezone.now()
        )
        return Response(
            {
                "recorded": result.recorded,
                "duplicates": result.duplicates,
                "attendance": checkins.attendance(found),
            }
        )


class ManifestQuerySerializer(serializers.Serializer[Any]):
    lang = serializers.ChoiceField(
        choices=list(manifest.MANIFEST_LANGUAGES),
        required=False,
        help_text="The document's language; by default the reader's (Accept-Language).",
    )


class DepartureManifestPdfView(APIView):
    """The departure's printable manifest (PDF): groups, head counts, names, categories and
    needs, the organisers' phones, the meeting point and the programme's timing. For the
    guides assigned to it and staff who may read bookings; 404 for anyone else."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_departures_manifest_pdf",
        parameters=[OpenApiParameter("lang", str, enum=list(manifest.MANIFEST_LANGUAGES))],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, departure: int) -> HttpResponse:
        query = ManifestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = manifest.manifest_departure(user=request.user, departure_id=departure)
        if found is None:
            raise Http404
        language = query.validated_data.get("lang") or (
            "fr" if (request.LANGUAGE_CODE or "fr").startswith("fr") else "en"
        )
        response = HttpResponse(
            manifest.manifest_pdf(found, language), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{manifest.manifest_filename(found)}"'
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        return response
