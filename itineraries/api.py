"""Catalogue API: themes, sites, itineraries (public reads, staff writes) and departures.

This app owns ``/themes/``, ``/sites/`` (in ``itineraries/sites_api.py`` with the open data),
``/itineraries/`` and ``/departures/``. The apps above
it contribute, by name, through these extension points (registered in their ``AppConfig.ready``):

- ``departure_answer_parts``: fields of every departure answer (bookings: ``seats_left``);
- ``departure_cancel_answers``: what a departure's cancellation cancelled with it, as fields of
  the cancel answer (bookings: ``bookings_cancelled``).

Sub-resources of an itinerary that another app owns are routed by that app (bookings:
``itineraries/{slug}/availability/``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.cache import CachedReadMixin
from core.extensions import ExtensionPoint
from core.filters import UtcIsoDateTimeFilter
from core.idempotency import idempotent
from core.permissions import StaffPermission, staff_may
from core.serializers import AnswerPart, ContributedFieldsMixin, annotate_for
from itineraries import selectors, services
from itineraries.inputs import ItineraryFields, OptionInput, StopInput
from itineraries.invalidation import AVAILABILITY, CATALOGUE
from itineraries.models import (
    Departure,
    DepartureKind,
    DepartureStatus,
    Itinerary,
    Language,
    Option,
    Site,
    SiteCategory,
    Stop,
    Theme,
)

departure_answer_parts = ExtensionPoint[AnswerPart]("itineraries.departure_answer_parts")
CancelAnswer = Callable[[Sequence[Any]], dict[str, Any]]
departure_cancel_answers = ExtensionPoint[CancelAnswer]("itineraries.departure_cancel_answers")

# --- Serializers ----------------------------------------------------------------------------


class ThemeSerializer(serializers.ModelSerializer[Theme]):
    class Meta:
        model = Theme
        fields = ["slug", "name", "description"]


class SiteSerializer(serializers.ModelSerializer[Site]):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    categories = serializers.ListField(child=serializers.ChoiceField(choices=SiteCategory.choices))

    class Meta:
        model = Site
        fields = [
            "slug",
            "name",
            "description",
            "address",
            "latitude",
            "longitude",
            "max_visitors",
            "minimum_age",
            "wheelchair_accessible",
            "toilets",
            "safety_notes",
            "is_bookable",
            "categories",
            "demonstrates",
            "accessibility_notes",
        ]


class StopSerializer(serializers.ModelSerializer[Stop]):
    site = SiteSerializer()
    end_offset_minutes = serializers.IntegerField()

    class Meta:
        model = Stop
        fields = [
            "position",
            "title",
            "text",
            "offset_minutes",
            "duration_minutes",
            "end_offset_minutes",
            "walking_distance_m",
            "climb_m",
            "alternative",
            "site",
        ]


class OptionSerializer(serializers.ModelSerializer[Option]):
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True)

    class Meta:
        model = Option
        fields = ["code", "name", "description", "price_per_person_cents", "vat_rate"]


class PolicyTierSerializer(serializers.Serializer[Any]):
    days_before = serializers.IntegerField(min_value=0, max_value=365)
    refund_percent = serializers.IntegerField(min_value=0, max_value=100)


class ItineraryListSerializer(serializers.ModelSerializer[Itinerary]):
    themes = ThemeSerializer(many=True)
    duration_minutes = serializers.IntegerField()
    languages = serializers.ListField(child=serializers.CharField())
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Itinerary
        fields = [
            "slug",
            "title",
            "summary",
            "themes",
            "languages",
            "duration_minutes",
            "min_participants",
            "max_participants",
            "price_per_person_cents",
            "minimum_charge_cents",
            "vat_rate",
            "currency",
            "private_dates_allowed",
            "is_published",
        ]

    def get_currency(self, obj: Itinerary) -> str:
        return "EUR"


class ItineraryDetailSerializer(ItineraryListSerializer):
    stops = StopSerializer(many=True)
    options = OptionSerializer(many=True)
    meeting_site = SiteSerializer(allow_null=True)
    cancellation_policy = PolicyTierSerializer(many=True)
    payment_methods = serializers.SerializerMethodField()

    class Meta(ItineraryListSerializer.Meta):
        fields = [
            *ItineraryListSerializer.Meta.fields,
            "description",
            "practical_notes",
            "includes",
            "meeting_point",
            "meeting_site",
            "deposit_percent",
            "cancellation_policy",
            "participants_per_guide",
            "lead_time_days",
            "change_cutoff_hours",
            "private_start_times",
            "stagger_minutes",
            "departure_minimum",
            "decision_days",
            "stops",
            "options",
            "payment_methods",
        ]

    def get_payment_methods(self, obj: Itinerary) -> list[str]:
        """Card payment is offered once Stripe is configured (read from the settings only: the
        catalogue knows nothing of the payments app)."""
        return ["card", "invoice"] if settings.STRIPE_SECRET_KEY else ["invoice"]


# Staff input: French and English texts are given separately (``title_fr``, ``title_en``...).
TRANSLATED_ITINERARY_FIELDS = [
    f"{name}_{lang}"
    for name in ("title", "summary", "description", "practical_notes", "includes", "meeting_point")
    for lang in ("fr", "en")
]


class StopInputSerializer(serializers.Serializer[Any]):
    site: serializers.SlugRelatedField[Site] = serializers.SlugRelatedField(
        slug_field="slug", queryset=Site.objects.all()
    )
    position = serializers.IntegerField(min_value=1, max_value=100)
    offset_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    title_fr = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    text_fr = serializers.CharField(required=False, allow_blank=True)
    text_en = serializers.CharField(required=False, allow_blank=True)
    # Access facts (issue 18, item 2); null when not known.
    walking_distance_m = serializers.IntegerField(
        min_value=0, max_value=50_000, required=False, allow_null=True
    )
    climb_m = serializers.IntegerField(
        min_value=0, max_value=2_000, required=False, allow_null=True
    )
    alternative_fr = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    alternative_en = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class OptionInputSerializer(serializers.Serializer[Any]):
    code = serializers.SlugField(max_length=50)
    name_fr = serializers.CharField(max_length=160)
    name_en = serializers.CharField(max_length=160, required=False, allow_blank=True)
    description_fr = serializers.CharField(required=False, allow_blank=True)
    description_en = serializers.CharField(required=False, allow_blank=True)
    price_per_person_cents = serializers.IntegerField(min_value=0, max_value=10_000_00)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


class ItineraryInputSerializer(serializers.ModelSerializer[Itinerary]):
    themes: serializers.SlugRelatedField[Theme] = serializers.SlugRelatedField(
        slug_field="slug", queryset=Theme.objects.all(), many=True, required=False
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), min_length=1, max_length=4
    )
    cancellation_policy = PolicyTierSerializer(many=True, required=False)
    private_start_times = serializers.ListField(
        child=serializers.RegexField(r"^([01]\d|2[0-3]):[0-5]\d$"), required=False, max_length=12
    )
    meeting_site: serializers.SlugRelatedField[Site] = serializers.SlugRelatedField(
        slug_field="slug", queryset=Site.objects.all(), required=False, allow_null=True
    )
    min_participants = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    max_participants = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    price_per_person_cents = serializers.IntegerField(min_value=0, max_value=10_000_00)
    minimum_charge_cents = serializers.IntegerField(
        min_value=0, max_value=100_000_00, required=False
    )
    stagger_minutes = serializers.IntegerField(min_value=5, max_value=240, required=False)
    stops = StopInputSerializer(many=True, required=False)
    options = OptionInputSerializer(many=True, required=False)

    class Meta:
        model = Itinerary
        fields = [
            "slug",
            *TRANSLATED_ITINERARY_FIELDS,
            "meeting_site",
            "themes",
            "languages",
            "min_participants",
            "max_participants",
            "price_per_person_cents",
            "minimum_charge_cents",
            "vat_rate",
            "deposit_percent",
            "cancellation_policy",
            "participants_per_guide",
            "lead_time_days",
            "change_cutoff_hours",
            "private_dates_allowed",
            "private_start_times",
            "stagger_minutes",
            "is_published",
            "stops",
            "options",
        ]
        extra_kwargs = {
            "title_fr": {"required": True, "allow_blank": False},
            "summary_fr": {"required": True, "allow_blank": False},
            "meeting_point_fr": {"required": True, "allow_blank": False},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low = attrs.get("min_participants", getattr(self.instance, "min_participants", 1))
        high = attrs.get("max_participants", getattr(self.instance, "max_participants", 30))
        if high < low:
            raise serializers.ValidationError(
                {"max_participants": _("Must be at least the minimum number of participants.")},
                code="below_minimum",
            )
        return attrs


class DepartureSerializer(ContributedFieldsMixin, serializers.ModelSerializer[Departure]):
    """A departure, with the fields the apps above add (``departure_answer_parts``)."""

    answer_points = (departure_answer_parts,)

    itinerary: serializers.SlugRelatedField[Itinerary] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Departure
        fields = [
            "id",
            "itinerary",
            "starts_at",
            "ends_at",
            "language",
            "capacity",
            "kind",
            "status",
        ]


class DepartureInputSerializer(serializers.Serializer[Any]):
    itinerary: serializers.SlugRelatedField[Itinerary] = serializers.SlugRelatedField(
        slug_field="slug", queryset=Itinerary.objects.all()
    )
    starts_at = serializers.DateTimeField()
    language = serializers.ChoiceField(choices=Language.choices)
    capacity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    kind = serializers.ChoiceField(choices=DepartureKind.choices, default=DepartureKind.PUBLIC)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DepartureCancellationSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class DepartureChangeSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField(required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    capacity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


# --- Filters --------------------------------------------------------------------------------


class IntegerFilter(filters.NumberFilter):
    """A whole-number filter: ``1e9`` or ``2.5`` are refused rather than rounded."""

    field_class = forms.IntegerField


class ItineraryFilter(filters.FilterSet):
    theme = filters.ModelChoiceFilter(
        field_name="themes", to_field_name="slug", queryset=Theme.objects.all()
    )
    language = filters.ChoiceFilter(choices=Language.choices, method="filter_language")
    max_duration = IntegerFilter(
        field_name="duration_annotation",
        lookup_expr="lte",
        min_value=1,
        max_value=7 * 24 * 60,
        label="Maximum duration in minutes",
    )
    participants = IntegerFilter(
        method="filter_participants",
        min_value=1,
        max_value=1000,
        label="Group size the itinerary must accept",
    )

    class Meta:
        model = Itinerary
        fields = ["theme", "language", "max_duration", "participants"]

    def filter_language(self, queryset: QuerySet[Itinerary], name: str, value: str) -> Any:
        # Languages are a JSON list; matching the quoted code works on PostgreSQL and SQLite
        # alike (JSON ``contains`` is not available on SQLite). Codes come from a fixed choice.
        return queryset.filter(languages__icontains=f'"{value}"')

    def filter_participants(self, queryset: QuerySet[Itinerary], name: str, value: int) -> Any:
        return queryset.filter(min_participants__lte=value, max_participants__gte=value)


class DepartureFilter(filters.FilterSet):
    itinerary = filters.ModelChoiceFilter(
        field_name="itinerary", to_field_name="slug", queryset=Itinerary.objects.all()
    )
    language = filters.ChoiceFilter(choices=Language.choices)
    from_ = UtcIsoDateTimeFilter(field_name="starts_at", lookup_expr="gte", label="from")
    to = UtcIsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Departure
        fields = ["itinerary", "language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ``from`` is a Python keyword: expose the filter under that name all the same.
        self.filters["from"] = self.filters.pop("from_")


# --- Views ----------------------------------------------------------------------------------


class ThemeViewSet(CachedReadMixin, viewsets.ReadOnlyModelViewSet[Theme]):
    queryset = Theme.objects.order_by("position", "slug")
    serializer_class = ThemeSerializer
    lookup_field = "slug"
    filter_backends: list[Any] = []


class ItineraryViewSet(
    CachedReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Itinerary],
):
    """Published itineraries for everyone; staff also see drafts and create or change them."""

    lookup_field = "slug"
    filterset_class = ItineraryFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [StaffPermission("itineraries.add_itinerary")]
        if self.action in ("partial_update", "update"):
            return [StaffPermission("itineraries.change_itinerary")]
        return [AllowAny()]

    def get_queryset(self) -> QuerySet[Itinerary]:
        staff = staff_may(self.request, "itineraries.view_itinerary")
        if self.action == "list":
            return selectors.itinerary_queryset(include_unpublished=staff)
        return selectors.itinerary_detail_queryset(include_unpublished=staff)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action in ("create", "partial_update", "update"):
            return ItineraryInputSerializer
        if self.action == "list":
            return ItineraryListSerializer
        return ItineraryDetailSerializer

    def _detail(self, slug: str, code: int) -> Response:
        itinerary = selectors.itinerary_detail_queryset(include_unpublished=True).get(slug=slug)
        return Response(ItineraryDetailSerializer(itinerary).data, status=code)

    @extend_schema(request=ItineraryInputSerializer, responses={201: ItineraryDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ItineraryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        created = services.itinerary_create(
            themes=data.pop("themes", []),
            stops=[StopInput(**stop) for stop in data.pop("stops", [])],
            options=[OptionInput(**option) for option in data.pop("options", [])],
            fields=cast(ItineraryFields, data),  # the serializer's fields are ItineraryFields'
        )
        return self._detail(created.slug, status.HTTP_201_CREATED)

    @extend_schema(request=ItineraryInputSerializer, responses={200: ItineraryDetailSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        itinerary = self.get_object()
        serializer = ItineraryInputSerializer(itinerary, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        stops, options = data.pop("stops", None), data.pop("options", None)
        updated = services.itinerary_update(
            itinerary=itinerary,
            themes=data.pop("themes", None),
            stops=None if stops is None else [StopInput(**stop) for stop in stops],
            options=None if options is None else [OptionInput(**option) for option in options],
            fields=cast(ItineraryFields, data),
        )
        return self._detail(updated.slug, status.HTTP_200_OK)


class DepartureViewSet(
    CachedReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Departure],
):
    """Scheduled public departures for everyone; staff see every departure, plan and cancel."""

    # Seats left change with every booking: the bookings app bumps AVAILABILITY.
    cache_namespaces = (CATALOGUE, AVAILABILITY)
    serializer_class = DepartureSerializer
    filterset_class = DepartureFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [StaffPermission("itineraries.add_departure")]
        if self.action in ("partial_update", "update"):
            return [StaffPermission("itineraries.change_departure")]
        if self.action == "cancel":
            return [StaffPermission("itineraries.cancel_departure")]
        if self.action == "go_ahead":
            return [StaffPermission("itineraries.change_departure")]
        return [AllowAny()]

    def get_queryset(self) -> QuerySet[Departure]:
        qs = Departure.objects.select_related("itinerary").order_by("starts_at", "pk")
        qs = annotate_for(departure_answer_parts, qs)
        if staff_may(self.request, "itineraries.view_departure"):
            return qs
        return qs.filter(
            status=DepartureStatus.SCHEDULED,
            kind=DepartureKind.PUBLIC,
            itinerary__is_published=True,
            starts_at__gt=timezone.now(),
        )

    @extend_schema(request=DepartureInputSerializer, responses={201: DepartureSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DepartureInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        departure = services.departure_schedule(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(departure).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DepartureChangeSerializer, responses={200: DepartureSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        departure = self.get_object()
        serializer = DepartureChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        departure = services.departure_reschedule(departure=departure, **serializer.validated_data)
        return Response(self.get_serializer(departure).data)

    @extend_schema(request=DepartureCancellationSerializer, responses={200: DepartureSerializer})
    @idempotent
    @extend_schema(request=None, responses={200: DepartureSerializer})
    @action(detail=True, methods=["post"], url_path="go-ahead")
    def go_ahead(self, request: Request, pk: str) -> Response:
        """Confirm that a public departure goes ahead before its go/no-go time (issue 18):
        it will not be cancelled for want of participants, and its groups are told. Idempotent;
        409 ``departure_cancelled`` for a cancelled departure."""
        departure = self.get_object()
        services.departure_go_confirm(departure=departure, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=departure.pk)).data)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel a whole departure (weather, strike) and whatever the apps above hold on it."""
        serializer = DepartureCancellationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.departure_cancel(
            departure=self.get_object(),
            by=request.user,
            reason=serializer.validated_data.get("reason", ""),
        )
        body = dict(self.get_serializer(self.get_queryset().get(pk=result.departure.pk)).data)
        for answer in departure_cancel_answers:
            body.update(answer(result.cancelled))
        return Response(body)
