"""Quotes API: a group asks for a quote, reads it and accepts it with its secret token; staff
read, revise, extend and decline (``procurement.change_quote``), each change audited."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.api.inputs import BookingInputSerializer
from bookings.models import PaymentMethod
from core.clients import client_address
from core.errors import DomainError, InvalidInput
from core.parsers import JSONParser
from core.permissions import StaffPermission, staff_may
from core.throttling import ClientScopedRateThrottle
from itineraries.models import Itinerary
from procurement import errors, services
from procurement.models import (
    Quote,
    QuoteDocument,
    QuoteDocumentKind,
    QuoteStatus,
    QuoteVersion,
)

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
    training = serializers.BooleanField(
        default=False,
        help_text="Funded as professional training: the quote is also a training agreement "
        "(convention de formation) and the booking carries it.",
    )
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


class AcceptWithDocumentSerializer(AcceptSerializer):
    """Acceptance with the signed quote or the purchase order attached (multipart)."""

    document = serializers.FileField(required=False, allow_empty_file=False)
    document_kind = serializers.ChoiceField(
        choices=QuoteDocumentKind.choices, default=QuoteDocumentKind.SIGNED_QUOTE.value
    )


class OrderDetailsSerializer(serializers.Serializer[Any]):
    """The purchase order: numbers and the document (multipart), after acceptance; on an open
    quote, the signed quote or order also accepts it (then ``name``, ``role``, ``statement``)."""

    purchase_order_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    commitment_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    document = serializers.FileField(required=False, allow_empty_file=False)
    document_kind = serializers.ChoiceField(
        choices=QuoteDocumentKind.choices, default=QuoteDocumentKind.PURCHASE_ORDER.value
    )
    name = serializers.CharField(max_length=200, required=False)
    role = serializers.CharField(max_length=200, required=False)
    statement = serializers.BooleanField(required=False, default=False)


class DocumentSerializer(serializers.ModelSerializer[QuoteDocument]):
    class Meta:
        model = QuoteDocument
        fields = ["kind", "sha256", "size", "uploaded_at"]
        read_only_fields = fields


class ExtendSerializer(serializers.Serializer[Any]):
    days = serializers.IntegerField(min_value=1, max_value=180)


class DeclineSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=255)


class ConvertSerializer(serializers.Serializer[Any]):
    """Staff accept for the buyer: the signatory named on the paper order or signed quote."""

    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1, required=False)
    purchase_order_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    commitment_number = serializers.CharField(max_length=60, required=False, allow_blank=True)


class QuoteListFilter(filters.FilterSet):
    """Staff list: by status (``expired`` is an open quote past its validity, ``sent`` an open
    one still valid) and by the validity's end."""

    status = filters.ChoiceFilter(
        choices=QuoteStatus.choices,
        method="filter_status",
    )
    expires_before = filters.IsoDateTimeFilter(field_name="valid_until", lookup_expr="lt")
    expires_after = filters.IsoDateTimeFilter(field_name="valid_until", lookup_expr="gte")

    class Meta:
        model = Quote
        fields = ["status", "expires_before", "expires_after"]

    def filter_status(self, queryset: QuerySet[Quote], name: str, value: str) -> QuerySet[Quote]:
        now = timezone.now()
        if value == QuoteStatus.EXPIRED:
            return queryset.filter(status=QuoteStatus.SENT, valid_until__lte=now)
        if value == QuoteStatus.SENT:
            return queryset.filter(status=QuoteStatus.SENT, valid_until__gt=now)
        return queryset.filter(status=value)


class QuoteListSerializer(serializers.ModelSerializer[Quote]):
    """A quote in the staff list: what the admin's list shows, no query per row."""

    version = serializers.IntegerField(source="current_version")
    status = serializers.SerializerMethodField()
    booking = serializers.CharField(source="booking.reference", allow_null=True, default=None)
    organisation_type = serializers.CharField(help_text="The buyer's type, as in the booking.")
    links = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "number",
            "version",
            "status",
            "valid_until",
            "language",
            "organisation_type",
            "organisation_name",
            "contact_name",
            "contact_email",
            "booking",
            "purchase_order_number",
            "commitment_number",
            "created_at",
            "links",
        ]
        read_only_fields = fields

    def get_status(self, obj: Quote) -> str:
        return obj.effective_status()

    def get_links(self, obj: Quote) -> dict[str, str]:
        return {
            "self": f"/api/v1/quotes/{obj.number}/",
            "pdf": f"/api/v1/quotes/{obj.number}/quote.pdf",
        }


class VersionSerializer(serializers.ModelSerializer[QuoteVersion]):
    itinerary: serializers.SlugRelatedField[Itinerary] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    departure = serializers.IntegerField(source="departure_id", allow_null=True)
    price = serializers.DictField()
    payment_schedule = serializers.DictField(
        help_text="Methods, deposit and balance with their due dates (ISO days), as printed."
    )
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
            "training",
            "price",
            "payment_schedule",
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
    documents = DocumentSerializer(many=True)
    invoice_issued = serializers.SerializerMethodField()
    service_certified_at = serializers.SerializerMethodField()
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
            "purchase_order_number",
            "commitment_number",
            "invoice_issued",
            "service_certified_at",
            "decline_reason",
            "versions",
            "documents",
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

    def get_invoice_issued(self, obj: Quote) -> bool:
        """Whether the final invoice is issued: the order references can no longer change."""
        return services.invoice_issued(obj)

    def get_service_certified_at(self, obj: Quote) -> datetime | None:
        """When staff certified that the service was delivered (service fait), else null."""
        certification = getattr(obj, "service_certification", None)
        return certification.certified_at if certification is not None else None

    def get_links(self, obj: Quote) -> dict[str, str]:
        return {
            "self": f"/api/v1/quotes/{obj.number}/",
            "pdf": f"/api/v1/quotes/{obj.number}/quote.pdf",
            "accept": f"/api/v1/quotes/{obj.number}/accept/",
            "purchase_order": f"/api/v1/quotes/{obj.number}/purchase-order/",
            "page": f"/quotes/{obj.number}",
            **(
                {"delivery_certificate": f"/api/v1/quotes/{obj.number}/delivery.pdf"}
                if getattr(obj, "delivery", None) is not None
                else {}
            ),
            **(
                {"training_agreement": f"/api/v1/quotes/{obj.number}/training-agreement.pdf"}
                if getattr(_current(obj), "training", False)
                else {}
            ),
        }


def _current(quote: Quote) -> QuoteVersion | None:
    """The current version among the prefetched ones."""
    return next((v for v in quote.versions.all() if v.version == quote.current_version), None)


class CreatedQuoteSerializer(QuoteSerializer):
    token = serializers.CharField()

    class Meta(QuoteSerializer.Meta):
        fields = [*QuoteSerializer.Meta.fields, "token"]
        read_only_fields = fields


class AcceptedQuoteSerializer(QuoteSerializer):
    booking_token = serializers.CharField(help_text="The booking's secret token, shown once.")
    booking_page = serializers.CharField(help_text="The booking's page, with its token.")

    class Meta(QuoteSerializer.Meta):
        fields = [*QuoteSerializer.Meta.fields, "booking_token", "booking_page"]
        read_only_fields = fields


def _upload(data: dict[str, Any], field: str = "document") -> services.Upload | None:
    file = data.get(field)
    if file is None:
        return None
    limit = int(settings.QUOTE_UPLOAD_MAX_BYTES)
    content = file.read(limit + 1)
    return services.check_upload(
        kind=data["document_kind"],
        content=content,
        content_type=getattr(file, "content_type", ""),
        field=field,
    )


class QuoteViewSet(viewsets.GenericViewSet[Quote]):
    """Quotes by number; the group's answers need the quote's token, staff their permission."""

    lookup_field = "number"
    lookup_value_regex = NUMBER_PATTERN
    serializer_class = QuoteSerializer
    throttle_classes = [ClientScopedRateThrottle]
    staff_actions = {"revise", "extend", "decline", "service_done", "convert"}

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "booking_create" if self.action == "create" else "booking_lookup"
        return super().get_throttles()

    def get_permissions(self) -> list[Any]:
        if self.action in self.staff_actions:
            return [StaffPermission("procurement.change_quote")]
        if self.action == "list":
            return [StaffPermission("procurement.view_quote")]
        return [AllowAny()]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=QuoteStatus.values,
                description="sent: open and valid; expired: open past its validity.",
            ),
            OpenApiParameter("expires_before", datetime, description="Validity ends before."),
            OpenApiParameter("expires_after", datetime, description="Validity ends at or after."),
        ],
        responses={200: QuoteListSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        """Staff (``procurement.view_quote``): quotes by validity's end, soonest first."""
        queryset = Quote.objects.select_related("booking").order_by("valid_until", "pk")
        filterset = QuoteListFilter(request.query_params, queryset=queryset, request=request)
        if not filterset.is_valid():
            field, messages = next(iter(filterset.errors.items()))
            raise InvalidInput("invalid", str(messages[0]), field=field)
        page = self.paginate_queryset(filterset.qs)
        data = QuoteListSerializer(page, many=True).data
        return self.get_paginated_response(data)

    def get_queryset(self) -> QuerySet[Quote]:
        return Quote.objects.select_related(
            "booking", "service_certification", "delivery"
        ).prefetch_related("versions__itinerary", "documents")

    def _quote(self, *, staff_only: bool = False) -> Quote:
        """The quote, for its token's holder or for staff who may view quotes; else 404."""
        quote = self.get_queryset().filter(number=self.kwargs["number"]).first()
        request = self.request
        token = request.META.get(TOKEN_HEADER) or request.query_params.get("token")
        allowed = quote is not None and (
            staff_may(request, "procurement.view_quote")
            or (not staff_only and services.quote_token_matches(quote, token))
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
        parameters=[
            *TOKEN_PARAMETERS,
            OpenApiParameter("version", int, description="A version; the current one if absent."),
        ],
        responses={(200, "application/pdf"): bytes},
    )
    def training_agreement(self, request: Request, number: str) -> HttpResponse:
        """The training agreement (convention de formation) of a training quote's version, in
        the quote's language, for the quote's token holder and for staff (routed in
        backend/api.py as ``training-agreement.pdf``); 404 ``quote_not_training`` otherwise."""
        from procurement.training import render_training_agreement_pdf

        quote = self._quote()
        wanted = request.query_params.get("version") or str(quote.current_version)
        row = next((v for v in quote.versions.all() if str(v.version) == wanted), None)
        if row is None or not row.training:
            raise DomainError(
                errors.QUOTE_NOT_TRAINING,
                _("This quote is not for a professional training."),
                status=404,
            )
        pdf = render_training_agreement_pdf(quote, row)
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"{quote.number}-v{row.version}-convention.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(parameters=TOKEN_PARAMETERS, responses={(200, "application/pdf"): bytes})
    def document(self, request: Request, number: str, sha256: str) -> HttpResponse:
        """A PDF the buyer uploaded (signed quote, purchase order), for the quote's token holder
        and for staff, read back from the storage (the filesystem, or the object store that the
        web nodes share) and checked against the hash recorded at upload (routed in
        backend/api.py as ``quote-document``)."""
        quote = self._quote()
        row = next((d for d in quote.documents.all() if d.sha256 == sha256), None)
        if row is None:
            raise DomainError(
                errors.QUOTE_NOT_FOUND, _("This quote has no such document."), status=404
            )
        try:
            with row.file.open("rb") as stored:
                content = stored.read()
        except OSError:
            content = b""
        if hashlib.sha256(content).hexdigest() != row.sha256:
            # Lost or altered in the storage: say so rather than serve something else.
            raise DomainError(
                errors.QUOTE_DOCUMENT_UNAVAILABLE,
                _("This document cannot be read at the moment."),
                status=503,
            )
        response = HttpResponse(content, content_type="application/pdf")
        filename = f"{quote.number}-{row.kind}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response

    def _accepted(self, accepted: services.Accepted) -> Response:
        fresh = self.get_queryset().get(pk=accepted.quote.pk)
        data = dict(QuoteSerializer(fresh).data)
        data["booking_token"] = accepted.booking_token
        data["booking_page"] = f"/bookings/{fresh.booking.reference}?token={accepted.booking_token}"  # type: ignore[union-attr]
        return Response(data)

    @extend_schema(
        parameters=TOKEN_PARAMETERS,
        request={
            "application/json": AcceptSerializer,
            "multipart/form-data": AcceptWithDocumentSerializer,
        },
        responses={200: AcceptedQuoteSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser])
    def accept(self, request: Request, number: str) -> Response:
        """Accept the current version: a confirmed booking at the quoted price; a signed quote
        or purchase order (PDF) may come with it, as a multipart form."""
        quote = self._quote()
        serializer = AcceptWithDocumentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        document = _upload(data)
        accepted = services.quote_accept(
            quote=quote,
            client_address=client_address(request),
            name=data["name"],
            role=data["role"],
            statement=data["statement"],
            version=data.get("version"),
            document=document,
        )
        return self._accepted(accepted)

    @extend_schema(
        parameters=TOKEN_PARAMETERS,
        request={
            "multipart/form-data": OrderDetailsSerializer,
            "application/json": OrderDetailsSerializer,
        },
        responses={200: QuoteSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="purchase-order",
        parser_classes=[JSONParser, MultiPartParser],
    )
    def purchase_order(self, request: Request, number: str) -> Response:
        """The purchase order: its number, the commitment number and the PDF, until the final
        invoice is issued. On an open quote, the signed quote or order accepts it (with
        ``name``, ``role`` and ``statement``, as the online acceptance)."""
        quote = self._quote()
        serializer = OrderDetailsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        document = _upload(data)
        address = client_address(request)
        if quote.status == QuoteStatus.SENT:
            if document is None:
                raise InvalidInput(
                    errors.DOCUMENT_REQUIRED,
                    _("Attach the signed quote or the purchase order (PDF)."),
                    field="document",
                )
            for name in ("name", "role"):
                if not data.get(name):
                    raise InvalidInput("required", _("This field is required."), field=name)
            accepted = services.quote_accept(
                quote=quote,
                client_address=address,
                name=data["name"],
                role=data["role"],
                statement=data["statement"],
                document=document,
                purchase_order=data.get("commitment_number") or data.get("purchase_order_number"),
            )
            quote, document = accepted.quote, None
            if not (data.get("purchase_order_number") or data.get("commitment_number")):
                return self._accepted(accepted)
        services.quote_order_details(
            quote=quote,
            purchase_order_number=data.get("purchase_order_number"),
            commitment_number=data.get("commitment_number"),
            document=document,
            client_address=address,
        )
        return self._answer(quote)

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

    @extend_schema(
        request=None,
        responses={200: QuoteSerializer, 201: QuoteSerializer},
        description=(
            "Staff: the service of an accepted quote was delivered (service fait), recorded "
            "with who and when; 201 when recorded now, 200 when it already was (nothing "
            "changes). A public buyer's final invoice can be issued only after it."
        ),
    )
    @action(detail=True, methods=["post"], url_path="service-done")
    def service_done(self, request: Request, number: str) -> Response:
        quote = self._quote(staff_only=True)
        certified = services.quote_certify_service(quote=quote, user=request.user)
        code = status.HTTP_201_CREATED if certified.created else status.HTTP_200_OK
        return self._answer(quote, code)

    @extend_schema(
        request=ConvertSerializer,
        responses={200: QuoteSerializer},
        description=(
            "Staff: accept the current version on the buyer's behalf (a paper purchase order or "
            "a signed quote received by post): the same acceptance as the buyer's, a confirmed "
            "booking at the quoted price, audited as accepted by the staff member; the order "
            "numbers, if given, are recorded with it. Problem codes: quote_expired, "
            "quote_superseded, quote_already_accepted, quote_not_open, sold_out."
        ),
    )
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, number: str) -> Response:
        quote = self._quote(staff_only=True)
        serializer = ConvertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        converted = services.quote_convert(
            quote=quote,
            user=request.user,
            name=data["name"],
            role=data["role"],
            version=data.get("version"),
            purchase_order_number=data.get("purchase_order_number"),
            commitment_number=data.get("commitment_number"),
            client_address=client_address(request),
        )
        return self._answer(converted)
