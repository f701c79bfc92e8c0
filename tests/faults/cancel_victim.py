"""Run as a separate process by the fault tests: set up a paid and invoiced booking, or cancel
it and freeze right after the cancellation commits, before anything runs on commit, until it is
killed; or run every periodic (beat) task once, as the beat scheduler would."""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from backend.celery import app  # noqa: E402
from bookings import services  # noqa: E402
from bookings.inputs import BookingRequest  # noqa: E402
from bookings.models import Booking  # noqa: E402
from invoicing.services import invoice_issue  # noqa: E402
from payments.services import payment_record_offline  # noqa: E402
from tests.bookings.helpers import bookable_departure, booking_body  # noqa: E402


def setup() -> int:
    """A public body's booking, confirmed, invoiced in full and paid by bank transfer."""
    data = booking_body(bookable_departure(capacity=10), participants=4, options=[])
    booking, _token = services.booking_create(request=BookingRequest.from_data(data))
    services.booking_confirm(booking=booking, actor=services.Actor.system())
    invoice_issue(booking=booking, kind="full")
    booking.refresh_from_db()
    payment_record_offline(
        booking=booking,
        method="bank_transfer",
        amount_cents=booking.total_cents,
        paid_on=timezone.localdate(),
        reference="VIR-1",
        actor=services.Actor.system(),
    )
    return booking.pk


def freeze_after_commit() -> None:
    print("COMMITTED", flush=True)  # the transaction is committed; nothing ran on commit yet
    time.sleep(120)


def run_periodic_tasks() -> None:
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        app.tasks[str(entry["task"])].apply().get()


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        print(setup(), flush=True)
    elif sys.argv[1] == "cancel":
        booking = Booking.objects.get(pk=int(sys.argv[2]))
        connection.run_and_clear_commit_hooks = freeze_after_commit  # type: ignore[method-assign]
        services.booking_cancel(booking=booking, actor=services.Actor.system(), full_refund=True)
    else:
        run_periodic_tasks()
