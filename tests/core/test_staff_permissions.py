"""Staff rights per action: Django model permissions, the same in the API and the admin.

Every staff action of the API is listed here with the permission it needs. Staff without the
permission get 403 problem+json; each shipped group gets exactly the actions of its permissions;
superusers get everything. The objects named in the URLs do not exist: the permission is checked
before the object is looked up, so an allowed request answers 404 or 400, never 403.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from bookings.models import Booking
from invoicing.staff_groups import ACCOUNTING, GUIDE_COORDINATION, OFFICE, STAFF_GROUPS
from itineraries.models import Departure
from payments.models import Payment, Refund
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.factories import ItineraryFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

REF = "/api/v1/bookings/VA-AAAAAA"
DEP = "/api/v1/departures/999999"
GUIDE = "/api/v1/guides/999999"
INVOICE = "/api/v1/invoices/F2026-000001"

# (method, path, the permission it needs)
STAFF_ACTIONS: list[tuple[str, str, str]] = [
    ("get", "/api/v1/bookings/", "bookings.view_booking"),
    ("get", f"{REF}/", "bookings.view_booking"),
    ("get", f"{REF}/programme.pdf", "bookings.view_booking"),
    ("get", f"{REF}/calendar.ics", "bookings.view_booking"),
    ("post", f"{REF}/checkout/", "bookings.view_booking"),
    ("patch", f"{REF}/", "bookings.change_booking"),
    ("post", f"{REF}/confirm/", "bookings.confirm_booking"),
    ("post", f"{REF}/decline/", "bookings.confirm_booking"),
    ("post", f"{REF}/cancel/", "bookings.cancel_booking"),
    ("post", f"{REF}/move/", "bookings.change_booking"),
    ("get", f"{REF}/payments/", "payments.view_payment"),
    ("post", f"{REF}/payments/", "payments.record_payment"),
    ("post", "/api/v1/itineraries/", "itineraries.add_itinerary"),
    ("patch", "/api/v1/itineraries/no-such-itinerary/", "itineraries.change_itinerary"),
    ("post", "/api/v1/departures/", "itineraries.add_departure"),
    ("patch", f"{DEP}/", "itineraries.change_departure"),
    ("post", f"{DEP}/cancel/", "itineraries.cancel_departure"),
    ("post", f"{DEP}/go-ahead/", "itineraries.change_departure"),
    ("get", f"{DEP}/guide-suggestions/", "guides.add_assignment"),
    ("post", f"{DEP}/assignments/", "guides.add_assignment"),
    ("delete", f"{DEP}/assignments/", "guides.delete_assignment"),
    ("get", "/api/v1/departures/lacking-guides/", "guides.view_assignment"),
    ("get", "/api/v1/guides/", "guides.view_guide"),
    ("get", f"{GUIDE}/", "guides.view_guide"),
    ("post", "/api/v1/guides/", "guides.add_guide"),
    ("post", f"{GUIDE}/time-off/", "guides.add_timeoff"),
    ("post", f"{GUIDE}/feed-token/", "guides.change_guide"),
    ("get", "/api/v1/invoices/", "invoicing.view_invoice"),
    ("get", f"{INVOICE}/", "invoicing.view_invoice"),
    ("get", f"{INVOICE}/pdf", "invoicing.view_invoice"),
    ("post", "/api/v1/invoices/", "invoicing.issue_invoice"),
    ("post", f"{INVOICE}/credit-note/", "invoicing.issue_credit_note"),
    ("get", "/api/v1/invoices/export.csv", "invoicing.export_accounts"),
]
IDS = [f"{method} {path}" for method, path, _perm in STAFF_ACTIONS]


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _send(client: APIClient, method: str, path: str) -> Any:
    return getattr(client, method)(path, {}, format="json")


@pytest.mark.parametrize(("method", "path", "perm"), STAFF_ACTIONS, ids=IDS)
def test_staff_without_the_permission_get_403_on_every_staff_action(
    method: str, path: str, perm: str
) -> None:
    nobody = StaffFactory(username="no-rights", groups=[])
    assert_problem(_send(_client(nobody), method, path), 403, "permission_denied")


@pytest.mark.parametrize("group", list(STAFF_GROUPS))
def test_each_shipped_group_gets_exactly_the_actions_of_its_permissions(group: str) -> None:
    client = _client(StaffFactory(username=f"in-{group}", groups=[group]))
    allowed = []
    for method, path, _perm in STAFF_ACTIONS:
        response = _send(client, method, path)
        assert response.status_code in (200, 400, 403, 404), (method, path, response.content)
        if response.status_code != 403:
            allowed.append(f"{method} {path}")
    expected = [f"{m} {p}" for m, p, perm in STAFF_ACTIONS if perm in STAFF_GROUPS[group]]
    assert allowed == expected


def test_the_shipped_groups_cover_every_staff_action_between_them() -> None:
    held = {perm for perms in STAFF_GROUPS.values() for perm in perms}
    assert {perm for _m, _p, perm in STAFF_ACTIONS} <= held


# What the apps above invoicing give the shipped groups in their own migrations (they cannot be
# named in ``invoicing.staff_groups``): procurement/migrations/0002_office_quotes.py and
# 0008_delivery.py; and what later invoicing migrations add for models created after 0003
# (0008: the ECB rates).
GIVEN_FROM_ABOVE = {
    "Office": {
        "procurement.view_quote",
        "procurement.change_quote",
        "procurement.view_quotesequence",
        "procurement.add_delivery",
        "procurement.view_delivery",
    },
    "Accounting": {
        "invoicing.view_ecbrate",
        "invoicing.add_ecbrate",
        "invoicing.change_ecbrate",
    },
}


def test_groups_are_created_by_the_migration_with_their_permissions() -> None:
    for name, own in STAFF_GROUPS.items():
        perms = {*own, *GIVEN_FROM_ABOVE.get(name, set())}
        group = Group.objects.get(name=name)
        stored = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert stored == perms


def test_superusers_keep_every_staff_action() -> None:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = _client(root)
    for method, path, _perm in STAFF_ACTIONS:
        assert _send(client, method, path).status_code != 403, (method, path)


def test_the_permission_is_not_enough_without_the_staff_flag() -> None:
    # As in the admin: a user who is not staff gets nothing, whatever their groups.
    user = StaffFactory(username="former-staff", is_staff=False)
    assert_problem(_client(user).get("/api/v1/bookings/"), 403, "permission_denied")


def test_staff_without_view_permissions_see_only_the_public_catalogue(api: APIClient) -> None:
    ItineraryFactory(slug="draft", is_published=False)
    nobody = _client(StaffFactory(username="no-rights", groups=[]))
    coordinator = _client(StaffFactory(username="coordinator", groups=[GUIDE_COORDINATION]))
    assert nobody.get("/api/v1/itineraries/draft/").status_code == 404
    assert coordinator.get("/api/v1/itineraries/draft/").status_code == 200


def test_a_staff_member_without_rights_may_still_act_with_the_groups_token(api: APIClient) -> None:
    booked = book(api, bookable_departure(), participants=10).json()
    nobody = _client(StaffFactory(username="no-rights", groups=[]))
    response = nobody.get(f"/api/v1/bookings/{booked['reference']}/")
    assert_problem(response, 403, "permission_denied")
    with_token = nobody.get(
        f"/api/v1/bookings/{booked['reference']}/", HTTP_X_BOOKING_TOKEN=booked["token"]
    )
    assert with_token.status_code == 200


# --- The admin agrees ----------------------------------------------------------------------


def _admin_actions(model: Any, user: Any) -> set[str]:
    request = RequestFactory().get("/admin/")
    request.user = user
    return set(admin.site.get_model_admin(model).get_actions(request))


def test_the_admin_offers_each_group_the_same_actions_as_the_api() -> None:
    office = StaffFactory(username="office-only", groups=[OFFICE])
    accounting = StaffFactory(username="accounting-only", groups=[ACCOUNTING])
    coordination = StaffFactory(username="coordination-only", groups=[GUIDE_COORDINATION])
    issue = {"issue_deposit_invoice", "issue_final_invoice", "issue_full_invoice"}

    assert _admin_actions(Booking, office) == {
        "confirm",
        "decline",
        "cancel",
        "erase_personal_data",
    }
    assert _admin_actions(Booking, accounting) == issue
    assert _admin_actions(Departure, office) == {"cancel_departures", "confirm_go"}
    assert _admin_actions(Departure, coordination) == set()
    assert _admin_actions(Payment, office) == set()
    assert _admin_actions(Payment, accounting) == {"refund_in_full"}
    assert _admin_actions(Refund, accounting) == {"mark_paid_back", "send_to_stripe_again"}


def test_only_accounting_records_offline_payments_in_the_admin() -> None:
    url = "/admin/payments/payment/record-offline/"
    office, accounting = Client(), Client()
    office.force_login(StaffFactory(username="office-only", groups=[OFFICE]))
    accounting.force_login(StaffFactory(username="accounting-only", groups=[ACCOUNTING]))
    assert office.get(url).status_code == 403
    assert accounting.get(url).status_code == 200


def test_only_accounting_issues_credit_notes_in_the_admin() -> None:
    from invoicing import services as invoicing_services
    from tests.invoicing.helpers import confirmed_booking

    invoice = invoicing_services.invoice_issue(booking=confirmed_booking(), kind="full")
    url = f"/admin/invoicing/invoice/{invoice.pk}/credit-note/"
    office, accounting = Client(), Client()
    office.force_login(StaffFactory(username="office-only", groups=[OFFICE]))
    accounting.force_login(StaffFactory(username="accounting-only", groups=[ACCOUNTING]))
    assert office.get(url).status_code == 403
    assert accounting.get(url).status_code == 200
    export = "/api/v1/invoices/export.csv"
    assert export in accounting.get("/admin/invoicing/invoice/").content.decode()
