"""``/api/v1/contributions/``: residents propose an installation for the map (JSON, or multipart
with a photo), confirm or withdraw it with their e-mailed links, and everyone reads the
published ones at their rounded location (docs/map.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from core.parsers import JSONParser
from core.throttling import ClientScopedRateThrottle
from itineraries.models import SiteCategory
from resources import contributions
from resources.models import Contribution, ContributionStatus


class ContributionInSerializer(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=SiteCategory.choices)
    description = serializers.CharField(max_length=2000)
    power_kw = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )
    surface_m2 = serializers.DecimalField(
        max_digits=8, decimal_places=1, min_value=Decimal(0), required=False, allow_null=True
    )
    year = serializers.IntegerField(min_value=1900, required=False, allow_null=True)
    # Any number of decimals (a click on the map gives many); rounded to the grid by the service.
    latitude = serializers.DecimalField(
        max_digits=None, decimal_places=None, min_value=Decimal(-90), max_value=Decimal(90)
    )
    longitude = serializers.DecimalField(
        max_digits=None, decimal_places=None, min_value=Decimal(-180), max_value=Decimal(180)
    )
    photo = serializers.FileField(required=False, allow_empty_file=False)
    photo_alt = serializers.CharField(max_length=300, required=False, allow_blank=True)
    name = serializers.CharField(max_length=120)
    email = serializers.EmailField(max_length=254)
    consent = serializers.BooleanField()
    # The honeypot: people never see it; robots fill it in.
    website = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate_year(self, value: int | None) -> int | None:
        if value is not None and value > timezone.now().year:
            raise serializers.ValidationError(_("This year is in the future."), code="max_value")
        return value

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Agree to the publication of your proposal to send it."), code="required"
            )
        return value


class ContributionPhotoSerializer(serializers.Serializer[Any]):
    url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt = serializers.CharField()


class ContributionSerializer(serializers.ModelSerializer[Contribution]):
    """A published contribution: what it is and its rounded location, never who sent it."""

    category_label = serializers.CharField(source="get_category_display")
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    power_kw = serializers.FloatField(allow_null=True)
    surface_m2 = serializers.FloatField(allow_null=True)
    photo = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="moderated_at")

    class Meta:
        model = Contribution
        fields = [
            "id",
            "category",
            "category_label",
            "description",
            "power_kw",
            "surface_m2",
            "year",
            "latitude",
            "longitude",
            "photo",
            "published_at",
        ]

    @extend_schema_field(ContributionPhotoSerializer(allow_null=True))
    def get_photo(self, obj: Contribution) -> dict[str, Any] | None:
        if not obj.photo:
            return None
        return {
            "url": reverse("contribution-photo", kwargs={"pk": obj.pk}),
            "width": obj.photo_width,
            "height": obj.photo_height,
            "alt": obj.photo_alt,
        }


class ContributionsView(generics.ListAPIView[Contribution]):
    """The published contributions (GET); a resident's proposal (POST)."""

    permission_classes = [AllowAny]
    serializer_class = ContributionSerializer
    parser_classes = [JSONParser, MultiPartParser]
    throttle_scope = "contribution"

    def get_queryset(self) -> Any:
        return Contribution.objects.filter(status=ContributionStatus.APPROVED).order_by(
            "-moderated_at", "-pk"
        )

    def get_throttles(self) -> list[BaseThrottle]:
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(ClientScopedRateThrottle())
        return throttles

    @extend_schema(
        request={
            "application/json": ContributionInSerializer,
            "multipart/form-data": ContributionInSerializer,
        },
        responses={
            202: inline_serializer("ContributionAccepted", {"detail": serializers.CharField()})
        },
    )
    def post(self, request: Request) -> Response:
        """Propose an installation. Answers 202 and e-mails the links that confirm and withdraw
        it; nothing is shown until its author confirms it and staff publish it."""
        serializer = ContributionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contributions.contribution_submit(
            data=contributions.ContributionInput(
                category=data["category"],
                description=data["description"],
                power_kw=data.get("power_kw"),
                surface_m2=data.get("surface_m2"),
                year=data.get("year"),
                latitude=data["latitude"],
                longitude=data["longitude"],
                photo=data.get("photo"),
                photo_alt=data.get("photo_alt", ""),
                name=data["name"],
                email=data["email"],
                language=get_language() or "fr",
            ),
            honeypot=data.get("website", ""),
        )
        return Response(
            {"detail": str(_("Thank you. Confirm your proposal with the link we e-mailed you."))},
            status=status.HTTP_202_ACCEPTED,
        )


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=200)


class ContributionStatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ContributionStatus.choices)


class _LinkView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "contribution_link"

    def _token(self, request: Request) -> str:
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return str(serializer.validated_data["token"])


class ContributionConfirmView(_LinkView):
    @extend_schema(request=TokenSerializer, responses={200: ContributionStatusSerializer})
    def post(self, request: Request) -> Response:
        """Confirm a proposal with the token of the e-mailed link (its author's address)."""
        contribution = contributions.contribution_confirm(token=self._token(request))
        return Response({"status": contribution.status})


class ContributionWithdrawView(_LinkView):
    @extend_schema(request=TokenSerializer, responses={200: ContributionStatusSerializer})
    def post(self, request: Request) -> Response:
        """Withdraw a proposal (published or not) with the token of the e-mailed link."""
        contribution = contributions.contribution_withdraw(token=self._token(request))
        return Response({"status": contribution.status})


class ContributionPhotoView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            (200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY, "The photo (re-encoded).")
        }
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        """A published contribution's photo, re-encoded (no metadata) at most
        CONTRIBUTION_PHOTO_MAX_SIDE pixels wide or high."""
        contributions_seen = Contribution.objects.filter(pk=pk)
        if not (request.user and request.user.is_staff):  # staff look before they publish
            contributions_seen = contributions_seen.filter(status=ContributionStatus.APPROVED)
        contribution = contributions_seen.first()
        if contribution is None or not contribution.photo:
            raise Http404
        response = FileResponse(contribution.photo.open("rb"), content_type="image/webp")
        # Private: a withdrawn photo must not live on in a shared cache.
        response["Cache-Control"] = "private, max-age=300"
        response["X-Content-Type-Options"] = "nosniff"
        return response
