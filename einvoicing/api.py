"""The public structure lookup (what Chorus Pro says of a SIRET, for the booking form) and
staff's correction of an invoice the portal rejected."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api.inputs import siret_is_valid
from bookings.services import Actor
from core.errors import DomainError, InvalidInput
from core.idempotency import idempotent
from core.permissions import StaffPermission
from core.throttling import ClientScopedRateThrottle
from einvoicing.answers import StaffDeliverySerializer, staff_view
from einvoicing.corrections import Attachment, delivery_complete, delivery_correct
from einvoicing.lookup import NOT_REGISTERED, REGISTERED, UNKNOWN, public_buyer_lookup
from einvoicing.models import Delivery

INVALID_SIRET = "invalid_siret"
NO_DELIVERY = "delivery_not_found"


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


# --- Staff: correcting an invoice the portal rejected -----------------------------------------


class CorrectionInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=500)
    # The booking's billing data for the new invoice, when the portal's reason calls for it.
    purchase_order = serializers.CharField(max_length=60, required=False, allow_blank=True)
    service_code = serializers.CharField(max_length=100, required=False, allow_blank=True)


class CorrectionSerializer(serializers.Serializer[Any]):
    credit_note = serializers.CharField(help_text="The credit note cancelling the invoice.")
    invoice = serializers.CharField(help_text="The new invoice, delivered (deposited) again.")
    delivery = StaffDeliverySerializer(help_text="The rejected delivery, now corrected.")


class DeliveryCorrectionView(APIView):
    """``/invoices/{number}/delivery/correction/``: staff correct an invoice the portal
    rejected (credit note, new invoice, delivered again). A repeat answers the first correction
    (200) without issuing anything."""

    def get_permissions(self) -> list[Any]:
        return [StaffPermission("invoicing.issue_credit_note", "invoicing.issue_invoice")]

    @extend_schema(request=CorrectionInputSerializer, responses={201: CorrectionSerializer})
    @idempotent
    def post(self, request: Request, number: str) -> Response:
        delivery = Delivery.objects.select_related("invoice").filter(invoice__number=number).first()
        if delivery is None:
            raise DomainError(
                NO_DELIVERY, _("This invoice has no delivery to correct."), status=404
            )
        serializer = CorrectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        correction = delivery_correct(
            delivery=delivery,
            actor=Actor.staff(request.user),
            reason=data["reason"],
            purchase_order=data.get("purchase_order"),
            service_code=data.get("service_code"),
        )
        answer = {
            "credit_note": correction.credit_note.number,
            "invoice": correction.invoice.number,
            "delivery": staff_view(correction.delivery),
        }
        return Response(
            CorrectionSerializer(answer).data,
            status=status.HTTP_201_CREATED if correction.created else status.HTTP_200_OK,
        )


# --- Staff: completing an invoice the buyer suspended ------------------------------------------


class CompletionInputSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(
        max_length=1000, help_text="What the buyer asked for (e.g. the commitment number)."
    )
    attachment = serializers.FileField(
        required=False,
        help_text=(
            "A PDF the buyer asked for (multipart/form-data), uploaded to the portal and "
            "referenced by the completion; at most EINVOICING_ATTACHMENT_MAX_BYTES."
        ),
    )


class DeliveryCompletionView(APIView):
    """``/invoices/{number}/delivery/completion/``: staff complete an invoice the buyer
    suspended at Chorus Pro (the portal's ``completer``, with a PDF when one is sent as
    multipart/form-data); it is followed again."""

    parser_classes = [JSONParser, MultiPartParser]

    def get_permissions(self) -> list[Any]:
        return [StaffPermission("invoicing.issue_invoice")]  # who issues invoices completes them

    @extend_schema(request=CompletionInputSerializer, responses={200: StaffDeliverySerializer})
    def post(self, request: Request, number: str) -> Response:
        delivery = Delivery.objects.select_related("invoice").filter(invoice__number=number).first()
        if delivery is None:
            raise DomainError(
                NO_DELIVERY, _("This invoice has no delivery to correct."), status=404
            )
        serializer = CompletionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data.get("attachment")
        completed = delivery_complete(
            delivery=delivery,
            comment=serializer.validated_data["comment"],
            attachment=Attachment(name=upload.name or "", content=upload.read())
            if upload is not None
            else None,
        )
        return Response(StaffDeliverySerializer(staff_view(completed)).data)
