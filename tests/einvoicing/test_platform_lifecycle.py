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
