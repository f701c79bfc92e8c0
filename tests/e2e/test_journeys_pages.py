"""Issue 14 items 5, 7 and 8 walked in a real browser, at phone and desktop widths, in French
and English: the cancelled booking's page, the booking form's required fields, the calendar's
keyboard grid, the English texts and the not-found page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from payments.models import Payment
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_frontend import months_ahead, unexpected
from tests.fakes.stripe_server import FakeStripe, signed_webhook, stripe_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The screenshot pairs of the issue: "before-*" were taken on the unchanged code.
STAGE = "after"
WIDTHS = {"desktop": 1280, "phone": 360}


def snap(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{STAGE}-{name}.png"), full_page=True)


def english(page: Any) -> None:
    page.add_init_script("localStorage.setItem('va-lang', 'en')")


@pytest.fixture
def departure() -> Any:
    return bookable_departure(
        capacity=30,
        days=20,
        title_fr="Base 11/19 et terrils jumeaux",
        title_en="Base 11/19 and the twin slag heaps",
    )


def cancelled_booking(departure: Any) -> dict[str, Any]:
    client = CommittingAPIClient()
    created = book(client, departure, participants=12).json()
    client.credentials(HTTP_X_BOOKING_TOKEN=created["token"])
    answer = client.post(
        f"/api/v1/bookings/{created['reference']}/cancel/",
        {},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cancel-1",
    )
    assert answer.status_code == 200, answer.content
    return created


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_cancelled_booking_page_says_so_and_offers_nothing_to_pay(
    page: Any, departure: Any, width: str
) -> None:
    created = cancelled_booking(departure)
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    expect(page.locator("#status")).to_have_text("Annulée")
    page.wait_for_load_state("networkidle")
    snap(page, f"cancelled-booking-{width}")
    text = page.locator("#main").inner_text()
    assert "null" not in text
    assert "Reste dû" not in text
    assert page.locator("#cancel-summary").is_visible()
    assert "Remboursé" in page.locator("#cancel-summary").inner_text()
    assert page.get_by_role("link", name="Programme (PDF)").count() == 0
    assert page.locator("#cancel-open, #change-participants").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]
    assert unexpected(page.problems) == []


def test_a_cancelled_booking_page_in_english(page: Any, departure: Any) -> None:
    created = cancelled_booking(departure)
    english(page)
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    expect(page.locator("#status")).to_have_text("Cancelled")
    summary = page.locator("#cancel-summary").inner_text()
    assert "Refunded" in summary and "€" in summary
    assert unexpected(page.problems) == []


def test_the_cancel_dialog_states_the_fee_kept(page: Any, departure: Any) -> None:
    created = book(CommittingAPIClient(), departure, participants=12).json()
    Booking.objects.filter(pk=Booking.objects.get().pk).update(
        amount_paid_cents=20000, status=BookingStatus.CONFIRMED
    )
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    page.locator("#cancel-open").click()
    terms = page.locator("#cancel-terms").inner_text().replace("\xa0", " ")
    # 20 days ahead: the 14-day tier refunds 50 % of the 200 € paid, 100 € stays invoiced.
    assert "soit 100,00 €" in terms
    assert "Reste facturé au titre des frais d'annulation (50 %) : 100,00 €." in terms


def open_form(page: Any, departure: Any, *, title: str, next_month: str) -> None:
    page.goto(f"/itineraries/{departure.itinerary.slug}")
    page.get_by_role("heading", level=1, name=title).wait_for()
    page.locator(".month .day").first.wait_for()
    for _ in range(months_ahead(departure)):
        before = page.locator(".month-title").inner_text()
        page.get_by_role("button", name=next_month).click()
        expect(page.locator(".month-title")).not_to_have_text(before)
    page.locator("button.slot:not(.private)").first.click()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_form_marks_the_fields_the_payment_method_requires(
    page: Any, departure: Any, width: str
) -> None:
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    open_form(page, departure, title="Base 11/19 et terrils jumeaux", next_month="Mois suivant")
    page.get_by_role("heading", name="Réserver").wait_for()
    page.get_by_label("Nom de l'organisation").fill("Mairie d'Arras")
    page.get_by_label("Nom et prénom").fill("Claire Martin")
    page.get_by_label("E-mail").fill("claire@example.org")
    page.locator("#b-terms_version").check()
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.locator("#b-billing-address-error").wait_for()
    expect(page.locator("#b-billing-address-error")).not_to_be_empty()
    page.wait_for_load_state("networkidle")
    snap(page, f"form-error-{width}")
    for name in ("address", "postal_code", "city"):
        field = page.locator(f"#b-billing-{name}")
        assert field.get_attribute("required") is not None, name
        assert "obligatoire" in page.locator(f"label[for='b-billing-{name}']").inner_text()
    assert Booking.objects.count() == 0
    assert unexpected(page.problems) == []


def test_card_payment_drops_the_billing_requirement(
    page: Any, departure: Any, stripe_fake: FakeStripe
) -> None:
    english(page)
    open_form(page, departure, title="Base 11/19 and the twin slag heaps", next_month="Next month")
    page.get_by_role("heading", name="Book").wait_for()
    city = page.locator("#b-billing-city")
    assert city.get_attribute("required") is not None
    assert "(required)" in page.locator("label[for='b-billing-city']").inner_text()
    page.get_by_label("Card (online)").check()
    assert city.get_attribute("required") is None
    assert "required" not in page.locator("label[for='b-billing-city']").inner_text()
    page.get_by_label("By invoice").check()
    assert city.get_attribute("required") is not None


def paid_then_cancelled(stripe_fake: FakeStripe, departure: Any) -> dict[str, Any]:
    """A card booking paid in full on Stripe (20 days ahead), then cancelled by the group."""
    client = CommittingAPIClient()
    created = book(client, departure, participants=12, payment_method="card").json()
    payment = Payment.objects.get(booking__reference=created["reference"])
    event = stripe_event(
        "checkout.session.completed",
        stripe_fake.completed_session(payment.stripe_checkout_session_id),
    )
    assert signed_webhook(Client(), event).status_code == 200
    client.credentials(HTTP_X_BOOKING_TOKEN=created["token"])
    answer = client.post(
        f"/api/v1/bookings/{created['reference']}/cancel/",
        {},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cancel-paid",
    )
    assert answer.status_code == 200, answer.content
    return created


@pytest.mark.parametrize(("lang", "width"), [("fr", "desktop"), ("en", "phone")])
def test_a_paid_booking_cancelled_shows_its_refund_and_the_fee_kept(
    page: Any, departure: Any, stripe_fake: FakeStripe, lang: str, width: str
) -> None:
    created = paid_then_cancelled(stripe_fake, departure)
    booking = Booking.objects.get()
    if lang == "en":
        english(page)
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    expect(page.locator("#status")).to_have_text("Annulée" if lang == "fr" else "Cancelled")
    summary = page.locator("#cancel-summary")
    # 20 days ahead: the 14-day tier gives back half of what was paid, the other half is kept.
    half = booking.total_cents // 2
    given_back = page.locator("#refunded, #refund-pending").all_inner_texts()
    amount = f"{half / 100:.2f}".replace(".", "," if lang == "fr" else ".")
    assert any(amount in text for text in given_back), given_back
    assert amount in page.locator("#kept").inner_text()
    assert page.get_by_role("link", name=re.compile("Programme")).count() == 0
    assert "null" not in page.locator("#main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]
    snap(page, f"cancelled-paid-booking-{lang}-{width}")
    assert summary.is_visible()
    assert unexpected(page.problems) == []


def test_the_calendar_is_a_keyboard_grid(page: Any, departure: Any) -> None:
    page.goto(f"/itineraries/{departure.itinerary.slug}")
    grid = page.get_by_role("grid")
    grid.wait_for()
    cells = page.locator("[role=gridcell][tabindex='0']")
    expect(cells).to_have_count(1)
    first = cells.first
    first.focus()
    name = first.locator(".visually-hidden").text_content() or ""
    # The date in words (the start of the cell's name, from its content): weekday, day, month
    # and year.
    assert re.search(r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d+ \w+ \d{4}", name)
    before = page.evaluate("document.activeElement.dataset.date")
    page.keyboard.press("ArrowRight")
    after = focused_date_after(page, before)
    page.keyboard.press("ArrowDown")
    week = focused_date_after(page, after)
    assert week == _plus_days(after, 7)
    page.keyboard.press("ArrowLeft")
    assert focused_date_after(page, week, forward=False) == _plus_days(week, -1)
    title = page.locator(".month-title").inner_text()
    page.keyboard.press("PageDown")
    expect(page.locator(".month-title")).not_to_have_text(title)
    expect(page.locator("[role=gridcell][tabindex='0']")).to_be_focused()
    assert unexpected(page.problems) == []


def _plus_days(iso: str, days: int) -> str:
    return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()


def focused_date_after(page: Any, iso: str, *, forward: bool = True) -> str:
    """The focused cell's date once the focus has left ``iso`` (a month may load meanwhile)."""
    focused = page.locator("[role=gridcell]:focus")
    expect(focused).to_have_count(1)
    expect(focused).not_to_have_attribute("data-date", iso)
    moved = str(focused.get_attribute("data-date"))
    assert (moved > iso) if forward else (moved < iso), (iso, moved)
    return moved


def test_the_calendar_fits_a_phone(page: Any, departure: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/itineraries/{departure.itinerary.slug}")
    page.get_by_role("grid").wait_for()
    for _ in range(months_ahead(departure)):
        before = page.locator(".month-title").inner_text()
        page.get_by_role("button", name="Mois suivant").click()
        expect(page.locator(".month-title")).not_to_have_text(before)
    page.locator("button.slot").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Neither clipped nor broken inside the time ("10:0" then "0").
    cut = page.evaluate(
        "[...document.querySelectorAll('button.slot')].filter(b => b.scrollWidth > b.clientWidth"
        " || b.querySelector('.slot-time').getClientRects().length !== 1).length"
    )
    assert cut == 0
    snap(page, "calendar-phone")


def test_english_countdown_and_price_lines(page: Any, departure: Any) -> None:
    created = book(CommittingAPIClient(), departure, participants=12).json()
    english(page)
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    expect(page.locator("#status")).to_have_text("Request under review")
    hold = page.locator("#hold").inner_text()
    assert hold.startswith("Seats held for another")
    assert " j " not in hold and "day" in hold
    text = page.locator("#main").inner_text()
    assert "Guided visit: Base 11/19 and the twin slag heaps" in text
    assert "Lunch" in text
    assert "Visite guidée" not in text and "Déjeuner" not in text
    assert " : " not in text
    assert unexpected(page.problems) == []


@pytest.mark.parametrize(
    ("lang", "heading", "back"),
    [
        ("fr", "Page introuvable", "Voir tous les itinéraires"),
        ("en", "Page not found", "See all itineraries"),
    ],
)
def test_an_unknown_route_gives_a_way_back(
    page: Any, departure: Any, lang: str, heading: str, back: str
) -> None:
    if lang == "en":
        english(page)
    page.goto("/itineraries/no-such-visit")
    page.get_by_role("heading", level=1, name=heading).wait_for()
    page.get_by_role("link", name=back).click()
    page.locator(".card").first.wait_for()


@pytest.mark.parametrize(("locale", "text"), [("fr-FR", "introuvable"), ("en-GB", "not found")])
def test_django_404_is_helpful(browser: Any, live_server: Any, locale: str, text: str) -> None:
    context = browser.new_context(base_url=live_server.url, locale=locale)
    page = context.new_page()
    response = page.goto("/no/such/page")
    assert response is not None and response.status == 404
    assert "text/html" in response.headers["content-type"]
    assert text in page.locator("h1").inner_text().lower()
    page.locator("a[href='/']").first.click()
    page.wait_for_url(re.compile(r"/$"))
    context.close()
