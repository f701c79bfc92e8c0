"""Guides API: staff manage guides and assign them to departures; a guide reads their schedule.

Routed in ``backend/api.py``: the guide resources on the router (numeric ids only, so that
``guides/me/...`` stays free), the departure and ``me`` views as explicit paths before it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.models import NEED_FLAGS, BookingStatus, Participant
from core.permissions import StaffPermission
from guides import selectors, services
from guides.models import Assignment, AssignmentRole, Guide, TimeOff
from itineraries.models import Departure, Language, Theme

MAX_SCHEDULE_DAYS = 92
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


class IsGuide(BasePermission):
    """A signed-in user with a guide profile (session or DRF token)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and hasattr(user, "guide"))


# --- Serializers ----------------------------------------------------------------------------


class WeeklyHoursSerializer(serializers.Serializer[Any]):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 is Monday.")
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()


class GuideInputSerializer(serializers.Serializer[Any]):
    user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    display_name = serializers.CharField(max_length=120)
    phone = serializers.RegexField(r"^\+?[0-9 ().-]{6,30}$", required=False, allow_blank=True)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), allow_empty=False, max_length=10
    )
    themes: serializers.SlugRelatedField[Theme] = serializers.SlugRelatedField(
        slug_field="slug", queryset=Theme.objects.all(), many=True, required=False
    )
    weekly_hours = serializers.ListField(
        child=WeeklyHoursSerializer(), required=False, max_length=50
    )
    is_active = serializers.BooleanField(default=True)


class GuideSerializer(serializers.ModelSerializer[Guide]):
    themes: serializers.SlugRelatedField[Theme] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    weekly_hours = WeeklyHoursSerializer(many=True, read_only=True)
    has_feed = serializers.SerializerMethodField()

    class Meta:
        model = Guide
        fields = [
            "id",
            "user",
            "display_name",
            "phone",
            "languages",
            "themes",
            "is_active",
            "weekly_hours",
            "has_feed",
            "created_at",
            "updated_at",
        ]

    def get_has_feed(self, obj: Guide) -> bool:
        return bool(obj.feed_token_hash)


class TimeOffInputSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TimeOffSerializer(serializers.ModelSerializer[TimeOff]):
    class Meta:
        model = TimeOff
        fields = ["id", "guide", "starts_at", "ends_at", "reason", "created_at"]


class FeedUrlsSerializer(serializers.Serializer[Any]):
    feed_url = serializers.URLField()
    webcal_url = serializers.CharField()


class AssignmentInputSerializer(serializers.Serializer[Any]):
    guide = serializers.PrimaryKeyRelatedField(queryset=Guide.objects.all())
    role = serializers.ChoiceField(choices=AssignmentRole.choices)


class AssignmentReleaseSerializer(serializers.Serializer[Any]):
    guide = serializers.PrimaryKeyRelatedField(queryset=Guide.objects.all())


class GuideBriefSerializer(serializers.ModelSerializer[Guide]):
    class Meta:
        model = Guide
        fields = ["id", "display_name", "languages"]


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    guide = GuideBriefSerializer(read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "guide", "departure", "role", "starts_at", "ends_at", "created_at"]
        extra_kwargs = {
            "starts_at": {"help_text": "Start of the visit minus the travel buffer."},
            "ends_at": {"help_text": "End of the visit plus the travel buffer."},
        }


class SuggestionSerializer(serializers.Serializer[Any]):
    guide = GuideBriefSerializer()
    shared_themes = serializers.IntegerField()
    assignments_this_month = serializers.IntegerField()


class SuggestionsSerializer(serializers.Serializer[Any]):
    departure = serializers.IntegerField()
    guides_needed = serializers.IntegerField()
    guides_assigned = serializers.IntegerField()
    suggestions = SuggestionSerializer(many=True)


class ScheduleParticipantSerializer(serializers.Serializer[Any]):
    """A named participant of a group, with their needs (bookings.participants)."""

    name = serializers.CharField()
    category = serializers.CharField()
    needs = serializers.SerializerMethodField()

    @extend_schema_field(
        inline_serializer(
            "ParticipantNeeds",
            {
                **{flag: serializers.BooleanField() for flag in NEED_FLAGS},
                "details": serializers.CharField(),
            },
        )
    )
    def get_needs(self, obj: Participant) -> dict[str, Any]:
        return obj.needs()


class ScheduleGroupSerializer(serializers.Serializer[Any]):
    """A group on the guide's visit: who to call on the day, and who comes with which needs."""

    reference = serializers.CharField()
    organisation = serializers.CharField(source="organisation_name")
    participants = serializers.IntegerField()
    status = serializers.CharField(help_text="confirmed, requested or pending_payment.")
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    named_participants = ScheduleParticipantSerializer(many=True, source="named")


class ScheduleEntrySerializer(serializers.Serializer[Any]):
    """One visit of the guide, flat: what the guide page lists."""

    id = serializers.IntegerField(help_text="The assignment.")
    role = serializers.ChoiceField(choices=AssignmentRole.choices)
    departure = serializers.IntegerField(source="departure_id")
    itinerary = serializers.CharField(source="departure.itinerary.slug")
    title = serializers.CharField(source="departure.itinerary.title")
    starts_at = serializers.DateTimeField(source="departure.starts_at")
    ends_at = serializers.DateTimeField(source="departure.ends_at")
    language = serializers.CharField(source="departure.language")
    status = serializers.CharField(source="departure.status")
    meeting_point = serializers.CharField(source="departure.itinerary.meeting_point")
    participants = serializers.IntegerField(help_text="Confirmed participants.")
    participants_requested = serializers.SerializerMethodField(
        help_text="Participants of groups not confirmed yet (a request, or a payment awaited)."
    )
    groups = serializers.SerializerMethodField()

    def get_participants_requested(self, obj: Assignment) -> int:
        return sum(
            booking.participants
            for booking in obj.departure.live_bookings  # type: ignore[attr-defined]
            if booking.status != BookingStatus.CONFIRMED
        )

    @extend_schema_field(ScheduleGroupSerializer(many=True))
    def get_groups(self, obj: Assignment) -> list[dict[str, Any]]:
        bookings = obj.departure.live_bookings  # type: ignore[attr-defined]
        return ScheduleGroupSerializer(bookings, many=True).data  # type: ignore[return-value]


def validate_plausible_day(value: date) -> None:
    # Far dates would overflow the date arithmetic; no visit is planned outside these years.
    if not FIRST_DAY <= value <= LAST_DAY:
        raise serializers.ValidationError(
            _("Must be between %(first)s and %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            code="out_of_range",
        )


class ScheduleQuerySerializer(serializers.Serializer[Any]):
    to = serializers.DateField(required=False, validators=[validate_plausible_day])
    default_days = 30

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ``from`` is a Python keyword, so the field is added by name here.
        self.fields["from"] = serializers.DateField(
            required=False, validators=[validate_plausible_day]
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first: date = attrs.get("from") or timezone.localdate()
        last: date = attrs.get("to") or first + timedelta(days=self.default_days)
        if last < first:
            raise serializers.ValidationError(
                {"to": _("Must not be before from.")}, code="invalid_range"
            )
        if (last - first).days >= MAX_SCHEDULE_DAYS:
            raise serializers.ValidationError(
                {"to": _("At most %(days)d days at a time.") % {"days": MAX_SCHEDULE_DAYS}},
                code="range_too_long",
            )
        attrs["from"], attrs["to"] = first, last
        return attrs


class CoverageSerializer(serializers.Serializer[Any]):
    departure = serializers.IntegerField(source="departure.pk")
    itinerary = serializers.CharField(source="departure.itinerary.slug")
    title = serializers.CharField(source="departure.itinerary.title")
    starts_at = serializers.DateTimeField(source="departure.starts_at")
    language = serializers.CharField(source="departure.language")
    guides_needed = serializers.IntegerField()
    guides_assigned = serializers.IntegerField()
    missing = serializers.IntegerField()


class LackingQuerySerializer(ScheduleQuerySerializer):
    default_days = 28


def feed_urls(token: str) -> dict[str, str]:
    """The guide's subscription URLs: https (or the site's scheme) and webcal."""
    feed_url = f"{settings.SITE_URL}/calendar/guides/{token}.ics"
    parts = urlsplit(feed_url)
    return {"feed_url": feed_url, "webcal_url": urlunsplit(("webcal", *parts[1:]))}


# --- Staff: guides --------------------------------------------------------------------------


class GuideViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Guide],
):
    """Guides, their time off and their feed tokens (staff)."""

    serializer_class = GuideSerializer
    staff_permissions = {
        "create": "guides.add_guide",
        "time_off": "guides.add_timeoff",
        "feed_token": "guides.change_guide",
    }

    def get_permissions(self) -> list[Any]:
        return [StaffPermission(self.staff_permissions.get(self.action, "guides.view_guide"))]

    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Guide]:
        return selectors.guide_list()

    @extend_schema(request=GuideInputSerializer, responses={201: GuideSerializer})
    def create(self, request: Request) -> Response:
        serializer = GuideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        guide = services.guide_create(**serializer.validated_data)
        body = GuideSerializer(self.get_queryset().get(pk=guide.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=TimeOffInputSerializer, responses={201: TimeOffSerializer})
    @action(detail=True, methods=["post"], url_path="time-off")
    def time_off(self, request: Request, pk: str) -> Response:
        guide = self.get_object()
        serializer = TimeOffInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        time_off = services.time_off_create(guide=guide, **serializer.validated_data)
        return Response(TimeOffSerializer(time_off).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: FeedUrlsSerializer})
    @action(detail=True, methods=["post"], url_path="feed-token")
    def feed_token(self, request: Request, pk: str) -> Response:
        token = services.feed_token_rotate(guide=self.get_object())
        return _no_store(Response(feed_urls(token)))


def _no_store(response: Response) -> Response:
    # The answer carries a capability URL: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


# --- Staff: a departure's guides ------------------------------------------------------------


def _departure(pk: int) -> Departure:
    return get_object_or_404(Departure.objects.select_related("itinerary"), pk=pk)


class GuideSuggestionsView(APIView):
    """Free, active guides who speak the departure's language, best first (staff)."""

    def get_permissions(self) -> list[Any]:
        # Suggestions serve assigning: the permission to assign.
        return [StaffPermission("guides.add_assignment")]

    @extend_schema(responses={200: SuggestionsSerializer})
    def get(self, request: Request, pk: int) -> Response:
        departure = _departure(pk)
        suggestions = selectors.guide_suggestions(departure=departure)
        body = {
            "departure": departure.pk,
            "guides_needed": selectors.guides_needed(departure=departure),
            "guides_assigned": departure.guide_assignments.count(),
            "suggestions": suggestions,
        }
        return Response(SuggestionsSerializer(body).data)


class DepartureAssignmentsView(APIView):
    """Assign a guide to a departure, or release them (staff)."""

    def get_permissions(self) -> list[Any]:
        if self.request.method == "DELETE":
            return [StaffPermission("guides.delete_assignment")]
        return [StaffPermission("guides.add_assignment")]

    @extend_schema(request=AssignmentInputSerializer, responses={201: AssignmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        departure = _departure(pk)
        serializer = AssignmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.assignment_create(
            departure=departure, by=request.user, **serializer.validated_data
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignmentReleaseSerializer, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        departure = _departure(pk)
        serializer = AssignmentReleaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.assignment_delete(departure=departure, guide=serializer.validated_data["guide"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeparturesLackingGuidesView(APIView):
    """Scheduled departures with fewer guides than they need (default: the next four weeks)."""

    def get_permissions(self) -> list[Any]:
        return [StaffPermission("guides.view_assignment")]

    @extend_schema(
        parameters=[OpenApiParameter("from", date), OpenApiParameter("to", date)],
        responses={200: CoverageSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = LackingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.departures_lacking_guides(
            first_day=query.validated_data["from"], last_day=query.validated_data["to"]
        )
        return Response(CoverageSerializer(rows, many=True).data)


# --- The guide's own ------------------------------------------------------------------------


class MyScheduleView(APIView):
    """The signed-in guide's visits between two days (at most 92 days; default the next 30)."""

    permission_classes = [IsGuide]

    @extend_schema(
        parameters=[OpenApiParameter("from", date), OpenApiParameter("to", date)],
        responses={
            200: inline_serializer(
                "GuideSchedule",
                {
                    "from": serializers.DateField(),
                    "to": serializers.DateField(),
                    "assignments": ScheduleEntrySerializer(many=True),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        query = ScheduleQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        first, last = query.validated_data["from"], query.validated_data["to"]
        assignments = selectors.guide_schedule(
            guide=request.user.guide,  # type: ignore[union-attr]
            first_day=first,
            last_day=last,
        )
        return Response(
            {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "assignments": ScheduleEntrySerializer(assignments, many=True).data,
            }
        )


class MyFeedTokenView(APIView):
    """The signed-in guide's private calendar URL: GET shows it without changing it; POST makes a
    new one, and the previous one stops working (the page asks the guide to confirm first)."""

    permission_classes = [IsGuide]

    @extend_schema(
        responses={
            200: inline_serializer(
                "GuideFeed",
                {
                    "has_feed": serializers.BooleanField(),
                    "feed_url": serializers.URLField(allow_null=True),
                    "webcal_url": serializers.CharField(allow_null=True),
                },
            )
        }
    )
    def get(self, request: Request) -> Response:
        # Read again: the user's cached guide may predate a rotation made in this process.
        guide = Guide.objects.get(pk=request.user.guide.pk)  # type: ignore[union-attr]
        token = selectors.guide_feed_token(guide)
        urls = feed_urls(token) if token else {"feed_url": None, "webcal_url": None}
        return _no_store(Response({"has_feed": bool(guide.feed_token_hash), **urls}))

    @extend_schema(request=None, responses={200: FeedUrlsSerializer})
    def post(self, request: Request) -> Response:
        token = services.feed_token_rotate(guide=request.user.guide)  # type: ignore[union-attr]
        return _no_store(Response(feed_urls(token)))
