"""Baselines for `make bench`, served by the same gunicorn as the API (only when BENCH_VIEWS=1).

Each is the least a plain Django view can do for the same job, so that the API's figure is read
as a ratio against it, on the same machine, server, workers and load generator.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from bookings.models import Booking
from itineraries.models import Departure


def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "items": [1, 2, 3]})


@csrf_exempt
def bare_lock_count_insert(request: HttpRequest, departure_id: int) -> JsonResponse:
    """Lock a departure row, count its seats, insert a booking row: the ORM and nothing else."""
    with transaction.atomic():
        departure = Departure.objects.select_for_update().get(pk=departure_id)
        taken = Booking.objects.filter(departure=departure).aggregate(n=Sum("participants"))["n"]
        booking = Booking.objects.create(
            reference="BN-" + secrets.token_hex(4).upper(),
            token_hash="0" * 64,
            departure=departure,
            participants=2,
            language="fr",
            organisation_name="Bench",
            organisation_type="other",
            contact_name="Bench",
            contact_email="bench@example.org",
            payment_method="invoice",
            status="confirmed",
            price={},
            total_cents=0,
        )
    return JsonResponse({"id": booking.pk, "taken": taken or 0}, status=201)
