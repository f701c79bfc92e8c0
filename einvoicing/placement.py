"""The booking's check for a buyer that Chorus Pro knows: refuse, before anything is written,
a booking whose invoice the portal would reject for a missing service code or commitment
number.

Registered into ``bookings.placement.placement_checks``: run by ``POST /bookings/`` and by
procurement's quote acceptance (``bookings.placement.placement_checks_run``, docs/einvoicing.md).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from bookings.inputs import BookingRequest
from core.errors import InvalidInput
from einvoicing.lookup import PublicBuyer, public_buyer_lookup

SERVICE_CODE_REQUIRED = "service_code_required"
COMMITMENT_NUMBER_REQUIRED = "commitment_number_required"
SERVICE_CODE_UNKNOWN = "service_code_unknown"

SERVICE_FIELD = "billing.service_code"
COMMITMENT_FIELD = "billing.purchase_order"  # the commitment number (BT-13, the EJ)

MESSAGES = {
    SERVICE_CODE_REQUIRED: _(
        "Your organisation's structure in Chorus Pro requires a service code on its invoices."
    ),
    COMMITMENT_NUMBER_REQUIRED: _(
        "Your organisation's structure in Chorus Pro requires a commitment number "
        "(purchase order) on its invoices."
    ),
    SERVICE_CODE_UNKNOWN: _(
        "This service code is not one of the active services of your structure in Chorus Pro."
    ),
}


def _problems(request: BookingRequest, buyer: PublicBuyer) -> list[tuple[str, str]]:
    service_code = request.billing.service_code.strip()
    problems: list[tuple[str, str]] = []
    if buyer.service_code_required and not service_code:
        problems.append((SERVICE_FIELD, SERVICE_CODE_REQUIRED))
    elif service_code and buyer.services and service_code not in {s.code for s in buyer.services}:
        problems.append((SERVICE_FIELD, SERVICE_CODE_UNKNOWN))
    if buyer.commitment_number_required and not request.billing.purchase_order.strip():
        problems.append((COMMITMENT_FIELD, COMMITMENT_NUMBER_REQUIRED))
    return problems


def placement_check_public_buyer(request: BookingRequest) -> None:
    """``bookings.placement_checks``: a buyer whose SIRET Chorus Pro knows gives what its
    structure requires (its invoice goes there, whatever the payment method). Raises
    ``InvalidInput`` (400) naming every missing field; nothing is refused when the portal
    cannot say (unknown: the booking goes ahead, as before the lookup existed)."""
    siret = request.organisation.siret
    if not siret:
        return
    buyer = public_buyer_lookup(siret)
    if not buyer.registered:
        return
    problems = _problems(request, buyer)
    if not problems:
        return
    errors: list[dict[str, Any]] = [
        {"field": field, "code": code, "message": str(MESSAGES[code])} for field, code in problems
    ]
    field, code = problems[0]
    raise InvalidInput(
        code,
        MESSAGES[code],
        field=field,
        extra={
            "errors": errors,
            "services": [{"code": s.code, "name": s.name} for s in buyer.services],
        },
    )
