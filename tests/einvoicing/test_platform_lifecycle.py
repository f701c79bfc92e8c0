"""The accredited platform (AFNOR XP Z12-013 Flow Service) after the submission: a retry after
an answer lost to a timeout adopts the flow the platform holds instead of submitting it twice,
and the invoice's lifecycle at the buyer's side (CDAR statuses) is read, mapped and recorded
until a final status. The real adapter runs against the loopback platform."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from core import outbox
from core.models import Consequence
from einvoicing import services
from einvoicing.models import Delivery, DeliveryStatus, PlatformSettings
from invoicing.models import Invoice
from tests.einvoicing.test_platform import _follow, _issue, _issues_through
from tests.fakes.afnor_flow import FakeFlowPlatform

pytestmark = pytest.mark.django_db


def _answer_lost_then_retried(staff_api: Any, fake: FakeFlowPlatform, settings: Any) -> Invoice:
    _issues_through()
    settings.PA_FLOW_TIMEOUT_SECONDS = 0.5
    fake.lose_next_answer(1.5)
    invoice = _issue(staff_api)
    row = Consequence.objects.get(key=f"deliver:invoice:{invoice.pk}")
    assert row.done_at is None and "ReadTimeout" in row.last_error
    assert fake.submissions == 1  # the platform took it; only its answer was lost
    assert Delivery.objects.get(invoice=invoice).status == DeliveryStatus.PENDING
    Consequence.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox.consequences_sweep() == 1
    return invoice


def test_a_retry_after_a_lost_answer_adopts_the_flow_the_platform_holds(
    staff_api: Any, flow_platform: FakeFlowPlatform, settings: Any
) -> None:
    invoice = _answer_lost_then_retried(staff_api, flow_platform, settings)

    assert flow_platform.submissions == 1
    (flow,) = flow_platform.flows.values()
    delivery = Delivery.objects.get(invoice=invoice)
    assert (delivery.status, delivery.flux_number, delivery.attempts) == (
        DeliveryStatus.DEPOSITED,
        flow.flow_id,
        2,
    )
    assert flow_platform.searches == [{"limit": 100, "where": {"trackingId": invoice.number}}]
    flow.timeline = [("Ok", "")]  # the adopted flow is followed like any other
    _follow(1)
    assert Delivery.objects.get(invoice=invoice).status == DeliveryStatus.MADE_AVAILABLE


def test_without_the_search_the_same_retry_submits_the_invoice_twice(
    staff_api: Any, flow_platform: FakeFlowPlatform, settings: Any
) -> None:
    """The negative control: the search is what keeps the invoice from being submitted twice."""
    settings.PA_FLOW_SEARCH = False
    invoice = _answer_lost_then_retried(staff_api, flow_platform, settings)
    assert flow_platform.submissions == 2
    assert {f.info["trackingId"] for f in flow_platform.flows.values()} == {invoice.number}
    assert flow_platform.searches == []


def test_a_first_attempt_does_not_search_and_a_refused_search_submits_nothing(
    staff_api: Any, flow_platform: FakeFlowPlatform, settings: Any
) -> None:
    """The search is asked only when an earlier attempt failed; a platform refusing it leaves
    the outcome unknown: nothing is submitted, the outbox tries again later."""
    _issues_through()
    invoice = _issue(staff_api)
    assert flow_platform.searches == [] and flow_platform.submissions == 1

    settings.PA_FLOW_TIMEOUT_SECONDS = 0.5
    flow_platform.lose_next_answer(1.5)
    second = _issue(staff_api)
    flow_platform.search_enabled = False  # answers 404
    row = Consequence.objects.get(key=f"deliver:invoice:{second.pk}")
    Consequence.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    outbox.consequences_sweep()
    row.refresh_from_db()
    assert row.done_at is None and "flow search refused" in row.last_error
    assert flow_platform.submissions == 2  # the two invoices, once each
    assert invoice.number != second.number


def _platform_invoice(staff_api: Any, fake: FakeFlowPlatform) -> Invoice:
    _issues_through()
    fake.timeline("Ok")
    return _issue(staff_api)


def test_the_lifecycle_at_the_buyers_side_is_read_mapped_and_followed_until_paid(
    staff_api: Any, flow_platform: FakeFlowPlatform
) -> None:
    invoice = _platform_invoice(staff_api, flow_platform)
    flow_platform.lifecycle(
        invoice.number,
        "203",  # made available: no change after the acknowledgement's Ok
        ("208", "Bon de commande manquant"),
        "209",
        "205",
        "211",
        "212",
    )
    _follow(6)
    delivery = Delivery.objects.get(invoice=invoice)
    assert [(row["status"], row["reason"]) for row in delivery.history] == [
        ("deposited", ""),
        ("made_available", ""),
        ("suspended", "Bon de commande manquant"),
        ("made_available", ""),
        ("service_certified", ""),
        ("paid", ""),
    ]
    assert delivery.next_check_at is None
    # Each read starts where the previous one stopped (the platform's own updatedAt).
    wheres = [search["where"] for search in flow_platform.searches]
    assert wheres[0] == {"flowType": ["CustomerInvoiceLC"]}
    assert [w["updatedAfter"] for w in wheres[1:]] == sorted(w["updatedAfter"] for w in wheres[1:])
    assert PlatformSettings.objects.get(pk=1).lifecycle_mark > wheres[-1]["updatedAfter"]

    # Paid is final: nothing more is asked of the platform, "212" is never read.
    searches = len(flow_platform.searches)
    _follow(2)
    assert len(flow_platform.searches) == searches
    assert len(Delivery.objects.get(invoice=invoice).history) == len(delivery.history)


def test_a_refusal_at_the_buyers_side_is_final_with_its_reason_and_correctable(
    staff_api: Any, flow_platform: FakeFlowPlatform
) -> None:
    invoice = _platform_invoice(staff_api, flow_platform)
    flow_platform.lifecycle(invoice.number, ("210", "Prestation non commandée"), "205")
    _follow(3)
    delivery = Delivery.objects.get(invoice=invoice)
    assert delivery.status == DeliveryStatus.REJECTED
    assert delivery.history[-1]["reason"] == "Prestation non commandée"
    assert delivery.next_check_at is None
    answer = staff_api.post(
        f"/api/v1/invoices/{invoice.number}/delivery/correction/",
        {"reason": "Refusée par l'acheteur"},
        format="json",
    )
    assert answer.status_code == 201, answer.content


def test_statuses_of_other_invoices_unknown_codes_and_unreadable_messages_change_nothing(
    staff_api: Any, flow_platform: FakeFlowPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.fakes.afnor_flow import Flow

    invoice = _platform_invoice(staff_api, flow_platform)
    flow_platform.lifecycle("F2026-999999", "205")  # not one of ours
    flow_platform.lifecycle(invoice.number, "299")  # no such status
    junk = Flow(
        "junk",
        {"trackingId": "x", "flowSyntax": "CDAR", "flowType": "CustomerInvoiceLC"},
        b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
        [],
    )
    flow_platform.flows["junk"] = junk
    with caplog.at_level("WARNING"):
        _follow(2)
    delivery = Delivery.objects.get(invoice=invoice)
    assert [row["status"] for row in delivery.history] == ["deposited", "made_available"]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "'299'" in messages and "junk unreadable" in messages


def test_the_platform_down_during_the_lifecycle_read_keeps_the_mark(
    staff_api: Any, flow_platform: FakeFlowPlatform
) -> None:
    invoice = _platform_invoice(staff_api, flow_platform)
    _follow(1)
    flow_platform.lifecycle(invoice.number, "205")
    flow_platform.fail_next(1, 503)  # the search
    assert services.platform_lifecycle_read(platform=_adapter()) == 0
    mark = PlatformSettings.objects.get(pk=1).lifecycle_mark
    assert services.platform_lifecycle_read(platform=_adapter()) == 1
    assert Delivery.objects.get(invoice=invoice).status == DeliveryStatus.SERVICE_CERTIFIED
    assert PlatformSettings.objects.get(pk=1).lifecycle_mark > mark


def _adapter() -> Any:
    from einvoicing.platforms import platform_active

    platform = platform_active()
    assert platform is not None
    return platform


def test_the_admin_corrects_an_invoice_refused_at_the_buyers_platform_naming_the_platform(
    staff_api: Any, flow_platform: FakeFlowPlatform
) -> None:
    """The credit note's reason, printed on it, says who refused: the buyer's platform, not
    Chorus Pro."""
    from django.test import Client

    from tests.factories import UserFactory

    invoice = _platform_invoice(staff_api, flow_platform)
    flow_platform.lifecycle(invoice.number, ("210", "Prestation non commandée"))
    _follow(2)
    delivery = Delivery.objects.get(invoice=invoice)
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    client.post(
        "/admin/einvoicing/delivery/",
        {"action": "correct", "_selected_action": [delivery.pk]},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    delivery.refresh_from_db()
    assert delivery.credit_note is not None
    assert delivery.credit_note.reason == (
        "Refusée par la plateforme de l'acheteur : Prestation non commandée"
    )
