"""An issued invoice never changes and is never deleted: not through the ORM, the API or the admin.
The admin issues invoices only through the service."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from invoicing.models import Invoice
from tests.invoicing.helpers import confirmed_booking, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-123")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def invoice(staff_api: Any) -> Invoice:
    number = issue(staff_api, confirmed_booking(), "full").json()["number"]
    return Invoice.objects.get(number=number)


def _unchanged(invoice: Invoice) -> None:
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert fresh.total_incl_vat_cents == invoice.total_incl_vat_cents
    assert fresh.lines == invoice.lines
    assert fresh.number == invoice.number


def test_the_orm_refuses_to_change_or_delete_an_issued_invoice(invoice: Invoice) -> None:
    invoice.total_incl_vat_cents += 100
    with pytest.raises(PermissionError):
        invoice.save()
    with pytest.raises(PermissionError):
        invoice.delete()
    with pytest.raises(PermissionError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).delete()
    invoice.refresh_from_db()
    _unchanged(invoice)


def test_the_api_has_no_update_or_delete(staff_api: Any, invoice: Invoice) -> None:
    path = f"/api/v1/invoices/{invoice.number}/"
    for method in ("put", "patch", "delete"):
        response = getattr(staff_api, method)(path, {"reason": "x"}, format="json")
        assert response.status_code == 405, (method, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
    _unchanged(invoice)


def test_the_admin_shows_invoices_read_only(admin_client_logged: Client, invoice: Invoice) -> None:
    base = "/admin/invoicing/invoice/"
    assert admin_client_logged.get(base).status_code == 200
    page = admin_client_logged.get(f"{base}{invoice.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    posted = admin_client_logged.post(f"{base}{invoice.pk}/change/", {"reason": "changed"})
    assert posted.status_code == 403
    assert (
        admin_client_logged.post(f"{base}{invoice.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    bulk = admin_client_logged.post(
        base, {"action": "delete_selected", "_selected_action": [invoice.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    assert admin_client_logged.get(f"{base}add/").status_code == 403
    _unchanged(invoice)


def test_the_admin_issues_invoices_through_the_service(admin_client_logged: Client) -> None:
    booking = confirmed_booking()
    response = admin_client_logged.post(
        "/admin/bookings/booking/",
        {"action": "issue_deposit_invoice", "_selected_action": [booking.pk]},
    )
    assert response.status_code == 302
    (deposit,) = Invoice.objects.filter(booking=booking)
    assert deposit.kind == "deposit"
    # The same refusal as the API: nothing issued twice.
    admin_client_logged.post(
        "/admin/bookings/booking/",
        {"action": "issue_deposit_invoice", "_selected_action": [booking.pk]},
    )
    assert Invoice.objects.filter(booking=booking).count() == 1


def test_the_admin_edits_the_seller_profile(admin_client_logged: Client, invoice: Invoice) -> None:
    page = admin_client_logged.get("/admin/invoicing/sellerprofile/1/change/")
    assert page.status_code == 200
    assert b"legal_name" in page.content
