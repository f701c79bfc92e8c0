"""The public structure lookup: what Chorus Pro says of a SIRET, for the booking form."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api.inputs import siret_is_valid
from core.errors import InvalidInput
from core.throttling import ClientScopedRateThrottle
from einvoicing.lookup import NOT_REGISTERED, REGISTERED, UNKNOWN, public_buyer_lookup

INVALID_SIRET = "invalid_siret"


class BuyerServiceSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class PublicBuyerSerializer(serializers.Serializer[Any]):
    siret = serializers.CharField()
    chorus_pro = serializers.ChoiceField(
        choices=[REGISTERED, NOT_REGISTERED, UNKNOWN],
        help_text="registered: invoices go to Chorus Pro; not_registered: the portal does not "
        "know this SIRET; unknown: nobody could ask (see unknown_reason).",
    )
    name = serializers.CharField(help_text="The structure's name at the portal.")
    service_code_required = serializers.BooleanField(allow_null=True)
    commitment_number_required = serializers.BooleanField(allow_null=True)
    services = BuyerServiceSerializer(many=True, help_text="Its active services.")
    unknown_reason = serializers.CharField(
        allow_blank=True,
        help_text="not_configured, unavailable, bad_credentials or refused; empty when known.",
    )


class PublicBuyerView(APIView):
    """Whether a SIRET is a structure in Chorus Pro, what it requires on an invoice (service
    code, commitment number) and its active services. Cached; "unknown" when the portal
    cannot be asked, never an error."""

    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "public_buyer_lookup"

    @extend_schema(responses={200: PublicBuyerSerializer})
    def get(self, request: Request, siret: str) -> Response:
        siret = siret.replace(" ", "")
        if not siret_is_valid(siret):
            raise InvalidInput(
                INVALID_SIRET, _("A SIRET has 14 digits and a valid check digit."), field="siret"
            )
        buyer = public_buyer_lookup(siret)
        data = {
            "siret": buyer.siret,
            "chorus_pro": buyer.status,
            "name": buyer.name,
            "service_code_required": buyer.service_code_required,
            "commitment_number_required": buyer.commitment_number_required,
            "services": [{"code": s.code, "name": s.name} for s in buyer.services],
            "unknown_reason": buyer.unknown_reason,
        }
        return Response(PublicBuyerSerializer(data).data)
