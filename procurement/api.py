"""Quotes API: a group asks for a quote, reads it and accepts it with its secret token; staff
read, revise, extend and decline (``procurement.change_quote``), each change audited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.api.inputs import BookingInputSerializer
from bookings.models import PaymentMethod
from core.clients import client_address
from core.errors import DomainError
from core.permissions import StaffPermission, staff_may
from core.throttling import ClientScopedRateThrottle
from core.tokens import token_matches
from itineraries.models import Itinerary
from procurement import errors, services
from procurement.models import Quote, QuoteVersion

TOKEN_HEADER = "HTTP_X_QUOTE_TOKEN"  # noqa: S105 (a header name, not a secret)
TOKEN_PARAMETERS = [
    OpenApiParameter("X-Quote-Token", str, OpenApiParameter.HEADER),
    OpenApiParameter("token", str, OpenApiParameter.QUERY),
]
NUMBER_PATTERN = "D[0-9]{4}-[0-9]{6}"


class CategoriesSerializer(serializers.Serializer[Any]):
    pupils = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    adults = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    staff = serializers.IntegerField(min_value=0, max_value=1000, default=0)


class QuoteInputSerializer(BookingInputSerializer):
    """The booking body, with the participants by category instead of a head count."""

    participants = None  # type: ignore[assignment]
    split = None  # type: ignore[assignment]
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices, default=PaymentMethod.INVOICE.value
    )
    categories = CategoriesSerializer()
    objectives = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    commitment_number_follows = serializers.BooleanField(default=False)

    def validate_payment_method(self, value: str) -> str:
        if value != PaymentMethod.INVOICE:
            raise serializers.ValidationError(_("A quote is paid by invoice."), code="invoice_only")
        return value

    def validate_categories(self, value: dict[str, int]) -> dict[str, int]:
        if sum(value.values()) < 1:
            raise serializers.ValidationError(
                _("A quote is for one participant at least."), code="no_participants"
            )
        return value


class AcceptSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200)
    statement = serializers.BooleanField()
    version = serializers.IntegerField(min_value=1, required=False)

    def validate_statement(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Confirm that you may commit your organisation."), code="statement_required"
            )
        return value


class ExtendSerializer(serializers.Serializer[Any]):
    days = serializers.IntegerField(min_value=1, max_value=180)


class DeclineSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=255)


class VersionSerializer(serializers.ModelSerializer[QuoteVersion]):
    itinerary: serializers.SlugRelatedField[Itinerary] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    departure = serializers.IntegerField(source="departure_id", allow_null=True)
    price = serializers.DictField()
    options = serializers.ListField(child=serializers.CharField())
    superseded = serializers.SerializerMethodField()

    class Meta:
        model = QuoteVersion
        fields = [
            "version",
            "itinerary",
            "departure",
            "starts_at",
            "pupils",
            "adults",
            "staff",
            "free_places",
            "options",
            "objectives",
            "price",
            "valid_until",
            "pdf_sha256",
            "superseded",
            "created_at",
        ]
        read_only_fields = fields

    def get_superseded(self, obj: QuoteVersion) -> bool:
        return obj.superseded_at is not None


class QuoteSerializer(serializers.ModelSerializer[Quote]):
    version = serializers.IntegerField(source="current_version")
    status = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField()
    booking = serializers.CharField(source="booking.reference", allow_null=True, default=None)
    organisation_type = serializers.CharField(help_text="The buyer's type, as in the booking.")
    versions = VersionSerializer(many=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "number",
            "version",
            "status",
            "valid_until",
            "price",
            "language",
            "organisation_type",
            "organisation_name",
            "siret",
            "vat_number",
            "service_code",
            "commitment_number_follows",
            "contact_name",
            "contact_email",
            "contact_phone",
            "booking",
            "decline_reason",
            "versions",
            "links",
        ]
        read_only_fields = fields

    def get_status(self, obj: Quote) -> str:
        return obj.effective_status()

    def get_price(self, obj: Quote) -> dict[str, Any]:
        for row in obj.versions.all():
            if row.version == obj.current_version:
                return dict(row.price)
        return {}

    def get_links(self, obj: Quote) -> dict[str, str]:
        return {
            "self": f"/api/v1/quotes/{obj.number}/",
            "pdf": f"/api/v1/quotes/{obj.number}/quote.pdf",
            "accept": f"/api/v1/quotes/{obj.number}/accept/",
        }


class CreatedQuoteSerializer(QuoteSerializer):
    token = serializers.CharField()

    class Meta(QuoteSerializer.Meta):
        fields = [*QuoteSerializer.Meta.fields, "token"]
        read_only_fields = fields


class QuoteViewSet(viewsets.GenericViewSet[Quote]):
    """Quotes by number; the group's answers need the quote's token, staff their permission."""

    lookup_field = "number"
    lookup_value_regex = NUMBER_PATTERN
    serializer_class = QuoteSerializer
    throttle_classes = [ClientScopedRateThrottle]
    staff_actions = {"revise", "extend", "decline"}

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "booking_create" if self.action == "create" else "booking_lookup"
        return super().get_throttles()

    def get_permissions(self) -> list[Any]:
        if self.action in self.staff_actions:
            return [StaffPermission("procurement.change_quote")]
        return [AllowAny()]

    def get_queryset(self) -> QuerySet[Quote]:
        return Quote.objects.select_related("booking").prefetch_related("versions__itinerary")

    def _quote(self, *, staff_only: bool = False) -> Quote:
        """The quote, for its token's holder or for staff who may view quotes; else 404."""
        quote = self.get_queryset().filter(number=self.kwargs["number"]).first()
        request = self.request
        token = request.META.get(TOKEN_HEADER) or request.query_params.get("token")
        allowed = quote is not None and (
            staff_may(request, "procurement.view_quote")
            or (not staff_only and token_matches(token, quote.token_hash))
        )
        if quote is None or not allowed:
            raise DomainError(errors.QUOTE_NOT_FOUND, _("No quote has this number."), status=404)
        return quote

    def _answer(self, quote: Quote, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=quote.pk)
        return Response(QuoteSerializer(fresh).data, status=code)

    @extend_schema(request=QuoteInputSerializer, responses={201: CreatedQuoteSerializer})
    def create(self, request: Request) -> Response:
        serializer = QuoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quote, token = services.quote_create(data=serializer.validated_data, user=request.user)
        fresh = self.get_queryset().get(pk=quote.pk)
        data = dict(QuoteSerializer(fresh).data)
        data["token"] = token
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=TOKEN_PARAMETERS, responses={200: QuoteSerializer})
    def retrieve(self, request: Request, number: str) -> Response:
        return self._answer(self._quote())

    @extend_schema(
        parameters=[
            *TOKEN_PARAMETERS,
            OpenApiParameter("version", int, description="A version; the current one if absent."),
        ],
        responses={(200, "application/pdf"): bytes},
    )
    def pdf(self, request: Request, number: str) -> HttpResponse:
        """The stored PDF of a version (routed in backend/api.py as ``quote.pdf``)."""
        quote = self._quote()
        wanted = request.query_params.get("version") or str(quote.current_version)
        row = next((v for v in quote.versions.all() if str(v.version) == wanted), None)
        if row is None:
            raise DomainError(
                errors.QUOTE_NOT_FOUND, _("This quote has no such version."), status=404
            )
        response = HttpResponse(bytes(row.pdf), content_type="application/pdf")
        filename = f"{quote.number}-v{row.version}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        parameters=TOKEN_PARAMETERS, request=AcceptSerializer, responses={200: QuoteSerializer}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, number: str) -> Response:
        quote = self._quote()
        serializer = AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accepted = services.quote_accept(
            quote=quote, client_address=client_address(request), **serializer.validated_data
        )
        return self._answer(accepted)

    @extend_schema(request=QuoteInputSerializer, responses={200: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, number: str) -> Response:
        quote = self._quote(staff_only=True)
        serializer = QuoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revised = services.quote_revise(
            quote=quote, data=serializer.validated_data, user=request.user
        )
        return self._answer(revised)

    @extend_schema(request=ExtendSerializer, responses={200: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, number: str) -> Response:
        quote = self._quote(staff_only=True)
        serializer = ExtendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extended = services.quote_extend(
            quote=quote, days=serializer.validated_data["days"], user=request.user
        )
        return self._answer(extended)

    @extend_schema(request=DeclineSerializer, responses={200: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, number: str) -> Response:
        quote = self._quote(staff_only=True)
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declined = services.quote_decline(
            quote=quote, reason=serializer.validated_data["reason"], user=request.user
        )
        return self._answer(declined)
