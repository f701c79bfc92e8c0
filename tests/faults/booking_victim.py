"""Run as a separate process by the fault tests: set up a departure, or start a booking and
freeze inside its transaction (after the INSERT, before the COMMIT) until it is killed."""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()

from django.db.models.signals import post_save  # noqa: E402

from bookings import services  # noqa: E402
from bookings.inputs import BookingRequest  # noqa: E402
from bookings.models import Booking  # noqa: E402
from tests.bookings.helpers import bookable_departure, booking_body  # noqa: E402


def freeze(sender: object, **kwargs: object) -> None:
    print("INSIDE", flush=True)  # the booking row is written, the transaction still open
    time.sleep(120)


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        print(bookable_departure(capacity=10).pk, flush=True)
    else:
        post_save.connect(freeze, sender=Booking)
        data = booking_body(participants=4, options=[])
        data["departure"] = int(sys.argv[2])
        services.booking_create(request=BookingRequest.from_data(data))
