""" "My bookings" API (bookings/signin.py): ask for a sign-in link, open and end the session, list
the contact's bookings, open one of them.

The session travels in an HttpOnly cookie, so every write it authorises (sign-out, a fresh
organiser link) is checked against Django's CSRF token, as DRF's session authentication checks
staff; SameSite=Lax and the JSON-only parser already stop a cross-site form. Reads and the
session's opening (which needs the e-mailed token in the body) carry no cookie-borne authority.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authentication import CSRFCheck
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from bookings import links, signin, tasks
from bookings.models import Booking, ContactSession
from core.errors import DomainError
from core.tasks import enqueue
from core.throttling import ClientScopedRateThrottle
from core.tokens import hash_token

# --- Serializers ----------------------------------------------------------------------------


class SignInRequestSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)


class SessionOpenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=200)


class SessionSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    expires_at = serializers.DateTimeField()


class MyBookingItinerarySerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    title = serializers.CharField()


class MyBookingSerializer(serializers.Serializer[Any]):
    """One booking in the contact's list; no token, no personal data beyond the reference."""

    reference = serializers.CharField()
    status = serializers.CharField()
    organisation = serializers.CharField(source="organisation_name")
    itinerary = MyBookingItinerarySerializer(source="departure.itinerary")
    starts_at = serializers.DateTimeField(source="departure.starts_at")
    participants = serializers.IntegerField()
    language = serializers.CharField()
    total_cents = serializers.IntegerField()
    currency = serializers.SerializerMethodField()
    is_past = serializers.BooleanField()

    def get_currency(self, obj: Booking) -> str:
        return "EUR"


class OrganiserLinkSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    token = serializers.CharField()
    url = serializers.URLField()


SIGN_IN_ANSWER = {
    "detail": _(
        "If a booking was made with this e-mail address, a sign-in link has been sent to it. "
        "It works once, for a short time."
    )
}


# --- Throttles, session, CSRF ---------------------------------------------------------------


class SignInEmailThrottle(SimpleRateThrottle):
    """Sign-in links per e-mail address, whoever asks: bounds the mail one address receives."""

    scope = "my_bookings_signin_email"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None  # refused by validation, and counted by the client's throttle
        ident = hash_token(signin.normalise_email(email))[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _not_signed_in() -> DomainError:
    return DomainError(
        signin.NOT_SIGNED_IN,
        _("You are not signed in, or your session has ended. Ask for a sign-in link."),
        status=status.HTTP_403_FORBIDDEN,
    )


def contact_session(request: Request) -> ContactSession:
    """The contact's live session from its cookie; a 403 problem ``not_signed_in`` otherwise."""
    session = signin.contact_session_for(token=request.COOKIES.get(signin.COOKIE_NAME))
    if session is None:
        raise _not_signed_in()
    return session


def enforce_csrf(request: Request) -> None:
    """Django's CSRF check for a write the session cookie authorises (as DRF does for staff)."""
    django_request: HttpRequest = request._request

    def no_view(_request: HttpRequest) -> HttpResponse:
        return HttpResponse()  # never called: only the middleware's checks run

    check = CSRFCheck(no_view)
    check.process_request(django_request)
    reason = check.process_view(django_request, no_view, (), {})
    if reason:
        raise PermissionDenied(f"CSRF Failed: {reason}")


def _language(request: Request) -> str:
    lang = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return lang if lang in ("fr", "en") else "fr"


# --- Views ----------------------------------------------------------------------------------


class SignInRequestView(APIView):
    throttle_classes = [ClientScopedRateThrottle, SignInEmailThrottle]
    throttle_scope = "my_bookings_signin"

    @extend_schema(
        request=SignInRequestSerializer,
        responses={202: inline_serializer("SignInAnswer", {"detail": serializers.CharField()})},
        operation_id="my_bookings_sign_in",
        tags=["my-bookings"],
    )
    def post(self, request: Request) -> Response:
        """Ask for a one-time sign-in link to "my bookings". It is e-mailed only if a booking has
        this contact address; the answer is the same either way."""
        serializer = SignInRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The task looks the address up: the request does the same work for any address.
        enqueue(
            tasks.send_sign_in_email,
            signin.normalise_email(serializer.validated_data["email"]),
            _language(request),
        )
        return Response(SIGN_IN_ANSWER, status=status.HTTP_202_ACCEPTED)


class SessionView(APIView):
    """The contact's session: open it with the e-mailed token, read it, end it (sign out)."""

    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "booking_lookup"

    @extend_schema(
        request=SessionOpenSerializer,
        responses={201: SessionSerializer},
        operation_id="my_bookings_session_open",
        tags=["my-bookings"],
    )
    def post(self, request: Request) -> Response:
        """Open a session with a sign-in link's token (once, before it expires). The answer sets
        the session cookie (HttpOnly, SameSite=Lax) and Django's CSRF cookie for later writes."""
        serializer = SessionOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session, token = signin.sign_in_link_redeem(token=serializer.validated_data["token"])
        response = Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)
        response.set_cookie(
            signin.COOKIE_NAME,
            token,
            max_age=settings.MY_BOOKINGS_SESSION_DAYS * 86400,
            path=signin.COOKIE_PATH,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        get_token(request._request)  # the CSRF cookie that sign-out and links will need
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        responses={200: SessionSerializer},
        operation_id="my_bookings_session_read",
        tags=["my-bookings"],
    )
    def get(self, request: Request) -> Response:
        """Who is signed in, and until when (403 ``not_signed_in`` when nobody is)."""
        session = contact_session(request)
        get_token(request._request)
        return Response(SessionSerializer(session).data, headers={"Cache-Control": "no-store"})

    @extend_schema(
        request=None,
        responses={204: None},
        operation_id="my_bookings_session_end",
        tags=["my-bookings"],
    )
    def delete(self, request: Request) -> Response:
        """Sign out: the session ends on the server and its cookie is removed."""
        session = signin.contact_session_for(token=request.COOKIES.get(signin.COOKIE_NAME))
        if session is not None:
            enforce_csrf(request)
            signin.contact_session_end(session=session)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response.delete_cookie(signin.COOKIE_NAME, path=signin.COOKIE_PATH, samesite="Lax")
        return response


class MyBookingsView(generics.ListAPIView[Booking]):
    """Every booking made with the signed-in contact's e-mail address."""

    serializer_class = MyBookingSerializer
    filter_backends: list[Any] = []
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "booking_lookup"

    @extend_schema(operation_id="my_bookings_list", tags=["my-bookings"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The signed-in contact's bookings, upcoming first (soonest first), then past ones
        (latest first), cancelled ones included with their status. Paginated."""
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def get_queryset(self) -> Any:
        return signin.contact_bookings(email=contact_session(self.request).email)


class OrganiserLinkView(APIView):
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "booking_lookup"

    @extend_schema(
        request=None,
        responses={201: OrganiserLinkSerializer},
        operation_id="my_bookings_organiser_link",
        tags=["my-bookings"],
    )
    def post(self, request: Request, reference: str) -> Response:
        """A fresh organiser link to one of the signed-in contact's bookings (404 for any other
        booking). Stored tokens are never shown: each call issues a new one."""
        session = contact_session(request)
        enforce_csrf(request)
        booking = signin.contact_booking(email=session.email, reference=reference)
        if booking is None:
            raise NotFound()
        token = signin.contact_organiser_link(booking=booking)
        answer = {
            "reference": booking.reference,
            "token": token,
            "url": links.organiser_url(booking, token),
        }
        return Response(
            OrganiserLinkSerializer(answer).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )
