"""Bookings API: groups book and manage their booking with its token; staff run the office.

By topic: ``inputs`` (what is sent), ``answers`` (what is answered, and the points the apps
above add fields through), ``views`` (who may open a booking, ``/bookings/``), ``catalogue``
(what bookings adds to the catalogue: seats left, availability by day).

This app owns ``/bookings/`` and the availability of an itinerary by day. The apps above it
contribute, by name, through these extension points (registered in their ``AppConfig.ready``):

- ``booking_answer_parts``: fields of every booking answer (payments: what is due, paid and
  refunded, the open Checkout URL), with the annotation they read;
- ``created_booking_answer_parts``: fields of the answer to ``POST /bookings/`` only
  (payments: ``checkout_error``);
- ``bookings.placement.placement_checks`` and ``placement_steps``: what placing a booking
  also does (payments: refuse a card booking when Stripe is off, open its Checkout Session);
- their own sub-resources, routed by their app with ``BookingAccessMixin`` (payments:
  ``checkout/`` and ``payments/``).

It contributes ``seats_left`` to the catalogue's departures (``DEPARTURE_SEATS``).
"""

from bookings.api.answers import (
    BookingSerializer,
    CreatedBookingSerializer,
    booking_answer_parts,
    created_booking_answer_parts,
)
from bookings.api.catalogue import DEPARTURE_SEATS, ItineraryAvailabilityView, bookings_cancelled
from bookings.api.inputs import BookingInputSerializer
from bookings.api.views import TOKEN_HEADER, BookingAccessMixin, BookingViewSet

__all__ = [
    "DEPARTURE_SEATS",
    "TOKEN_HEADER",
    "BookingAccessMixin",
    "BookingInputSerializer",
    "BookingSerializer",
    "BookingViewSet",
    "CreatedBookingSerializer",
    "ItineraryAvailabilityView",
    "booking_answer_parts",
    "bookings_cancelled",
    "created_booking_answer_parts",
]
