"""The contact form's endpoint: validate, hand to the service, answer the same to people and
robots (the honeypot), throttled per client."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.serializers import PrototypeFieldsMixin
from core.throttling import ClientScopedRateThrottle
from legal import services

LINE_BREAKS = ("\r", "\n")


class ContactMessageSerializer(PrototypeFieldsMixin, serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=200)
    message = serializers.CharField(max_length=5000)
    # The honeypot: people never see it; robots fill it in.
    website = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def _one_line(self, value: str) -> str:
        # The name and subject go into e-mail headers: one line only.
        if any(char in value for char in LINE_BREAKS):
            raise serializers.ValidationError(_("Write this on one line."), code="one_line")
        return value

    def validate_name(self, value: str) -> str:
        return self._one_line(value)

    def validate_subject(self, value: str) -> str:
        return self._one_line(value)


class ContactMessageView(APIView):
    """Send a message to the office by e-mail (nothing is stored)."""

    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "contact"

    @extend_schema(
        request=ContactMessageSerializer,
        responses={202: inline_serializer("ContactAccepted", {"detail": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        serializer = ContactMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.contact_message_send(
            name=data["name"],
            email=data["email"],
            organisation=data.get("organisation", ""),
            subject=data["subject"],
            message=data["message"],
            language=get_language() or "fr",
            honeypot=data.get("website", ""),
        )
        return Response(
            {"detail": str(_("Your message was sent to the office."))},
            status=status.HTTP_202_ACCEPTED,
        )
