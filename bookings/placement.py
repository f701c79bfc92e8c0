"""Placing a booking: the one service ``POST /bookings/`` calls, with the steps of the apps above.

Booking is more than writing the row: a card booking also needs Stripe to be usable before
anything is written, and a Checkout Session for what is due once it is. Those steps belong to
the payments app, which bookings never imports; payments contributes them here:

- ``placement_checks``: called with the ``BookingRequest`` before anything is written; a check
  refuses by raising a ``DomainError`` (nothing is written then).
- ``placement_steps``: called with the booking once it is committed, outside any transaction (a
  step may call a remote service); each returns a ``StepResult``: fields for the creation
  answer, and whether it changed what the answer reads.

``booking_place`` returns a ``Placement``: the booking, its organiser token (shown once) and
what the steps said.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bookings import services
from bookings.inputs import BookingRequest
from bookings.models import Booking
from bookings.services import staggered
from core.extensions import ExtensionPoint


@dataclass(frozen=True)
class StepResult:
    answer: Mapping[str, Any] = field(default_factory=dict)  # fields of the creation answer
    changed: bool = False  # the step wrote what the booking's answer reads


@dataclass(frozen=True)
class Placement:
    booking: Booking
    token: str
    # Two groups on staggered times (``split``): the second group's organiser token, shown once.
    companion_token: str | None
    answer: Mapping[str, Any]  # what the steps add to the creation answer, by field
    changed: bool  # a step changed what the answer reads: read the booking again


PlacementCheck = Callable[[BookingRequest], None]
PlacementStep = Callable[[Booking], StepResult]

placement_checks = ExtensionPoint[PlacementCheck]("bookings.placement_checks")
placement_steps = ExtensionPoint[PlacementStep]("bookings.placement_steps")


def placement_checks_run(request: BookingRequest) -> None:
    """Every contributed check on ``request``, in order; the first refusal is raised. Another
    way of booking (procurement's quote acceptance) calls this before it writes, so that it
    refuses what ``POST /bookings/`` refuses."""
    for check in placement_checks:
        check(request)


def booking_place(*, request: BookingRequest) -> Placement:
    """Check, book (``services.booking_create``: seats, price, hold; or both groups of a
    ``split`` at once, ``staggered.booking_create_staggered``), then run the steps on each
    booking written. The answer is the first booking's."""
    if request.split is not None:
        staggered.refuse_card(request)
    placement_checks_run(request)
    companion_token = None
    if request.split is not None:
        (booking, token), (companion, companion_token) = staggered.booking_create_staggered(
            request=request
        )
        written = [booking, companion]
    else:
        booking, token = services.booking_create(request=request)
        written = [booking]
    answer: dict[str, Any] = {}
    changed = False
    for each in written:
        for step in placement_steps:
            result = step(each)
            if each is booking:
                answer.update(result.answer)
                changed = changed or result.changed
    return Placement(
        booking=booking,
        token=token,
        companion_token=companion_token,
        answer=answer,
        changed=changed,
    )
