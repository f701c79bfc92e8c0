"""Extension points (core.extensions): contributions registered once, in order, all documented."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from bookings import programme, retention, selectors
from core.extensions import ExtensionPoint, points
from guides.selectors import private_starts_with_guides, programme_guides
from invoicing.retention import invoice_unpaid, invoices_personal_data
from payments.retention import money_open, payments_personal_data
from payments.selectors import refunds_in_flight_cents

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def test_a_contribution_is_registered_once_and_read_in_order() -> None:
    point = ExtensionPoint[Callable[[int], int]]("tests.numbers")

    @point.register
    def double(n: int) -> int:
        return 2 * n

    def negate(n: int) -> int:
        return -n

    assert point.register(negate) is negate
    point.register(double)  # a ready() that runs twice
    assert point.contributions() == (double, negate)
    assert [contribution(3) for contribution in point] == [6, -3]
    assert negate in point and len(point) == 2
    point.unregister(double)
    assert point.contributions() == (negate,)
    assert points()["tests.numbers"] is point


def test_the_higher_apps_fill_the_points_of_bookings() -> None:
    assert selectors.private_slot_checks.contributions() == (private_starts_with_guides,)
    assert programme.programme_sections.contributions() == (programme_guides,)
    assert selectors.refunds_in_flight.contributions() == (refunds_in_flight_cents,)
    # payments comes before invoicing in INSTALLED_APPS, hence in the download and the checks.
    assert retention.erasure_checks.contributions() == (money_open, invoice_unpaid)
    from visits.certificates import certificates_personal_data

    assert retention.personal_data_sections.contributions() == (
        payments_personal_data,
        invoices_personal_data,
        certificates_personal_data,
    )


def test_the_certificates_name_the_seller_as_the_invoices_do() -> None:
    from invoicing.certificates import certificate_issuer
    from visits.certificates import certificate_issuers

    assert certificate_issuers.contributions() == (certificate_issuer,)


def test_each_resource_has_one_owner_and_the_apps_above_contribute_by_name() -> None:
    from bookings import api as bookings_api
    from bookings import placement
    from bookings.admin import DEPARTURE_SEATS_COLUMN
    from einvoicing.answers import BOOKING_INVOICE_DELIVERIES, INVOICE_DELIVERY
    from guides.admin import DEPARTURE_GUIDES
    from invoicing.api import invoice_answer_parts
    from itineraries import admin as catalogue_admin
    from itineraries import api as catalogue_api
    from payments import api as payments_api
    from payments import services as payments_services
    from visits.admin import DEPARTURE_MANIFEST
    from visits.answers import BOOKING_GO_NO_GO

    assert bookings_api.booking_answer_parts.contributions() == (
        payments_api.BOOKING_PAYMENTS,
        BOOKING_INVOICE_DELIVERIES,
        BOOKING_GO_NO_GO,
    )
    assert invoice_answer_parts.contributions() == (INVOICE_DELIVERY,)
    from invoicing.services import invoice_deposit_rules, invoice_issue_checks, invoice_terms_rules
    from procurement.invoice_terms import (
        quoted_deposit,
        quoted_invoice_terms,
        service_certified_before_final_invoice,
    )

    assert invoice_issue_checks.contributions() == (service_certified_before_final_invoice,)
    assert invoice_terms_rules.contributions() == (quoted_invoice_terms,)
    assert invoice_deposit_rules.contributions() == (quoted_deposit,)
    assert bookings_api.created_booking_answer_parts.contributions() == (
        payments_api.CREATED_BOOKING_CHECKOUT,
    )
    from einvoicing.placement import placement_check_public_buyer

    assert placement.placement_checks.contributions() == (
        payments_services.placement_check_card,
        placement_check_public_buyer,
    )
    assert placement.placement_steps.contributions() == (payments_services.placement_open_checkout,)
    assert catalogue_api.departure_answer_parts.contributions() == (bookings_api.DEPARTURE_SEATS,)
    assert catalogue_api.departure_cancel_answers.contributions() == (
        bookings_api.bookings_cancelled,
    )
    assert catalogue_admin.departure_admin_parts.contributions() == (
        DEPARTURE_SEATS_COLUMN,
        DEPARTURE_GUIDES,
        DEPARTURE_MANIFEST,
    )
    # One admin per model, one view per route: nobody replaces another app's.
    from django.contrib import admin

    from itineraries.models import Departure

    assert type(admin.site._registry[Departure]) is catalogue_admin.DepartureAdmin
    from backend.api import router

    owners = {prefix: viewset.__module__ for prefix, viewset, _basename in router.registry}
    assert owners["bookings"].startswith("bookings.api")
    assert owners["itineraries"] == owners["departures"] == "itineraries.api"


def test_docs_architecture_lists_every_extension_point() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", ARCHITECTURE.read_text(), re.M))
    declared = {name for name in points() if not name.startswith("tests.")}
    assert declared == documented, f"declared {sorted(declared)}, documented {sorted(documented)}"
