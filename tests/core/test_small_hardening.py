"""Small holes of issue 13, item 18: ReDoc's assets, plain-text e-mails, SITE_URL, HSTS."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_redoc_names_no_asset_of_another_host(client: Any) -> None:
    page = client.get("/api/redoc/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "redoc.standalone.js" in html
    assert re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", html) == []


NAME = "Claire O'Brien & Fils <direction>"


def test_plain_text_booking_emails_keep_names_as_written(api: Any) -> None:
    from django.core import mail

    from tests.bookings.helpers import book, bookable_departure

    created = book(
        api,
        bookable_departure(title_fr="Terrils & cités d'ouvriers"),
        participants=10,
        contact={"name": NAME, "email": "claire@example.org", "phone": "+33 6 12 34 56 78"},
    )
    assert created.status_code == 201, created.content
    (message,) = mail.outbox
    assert NAME in message.body
    assert "Terrils & cités d'ouvriers" in f"{message.body} {message.subject}"
    assert "&amp;" not in message.body and "&#x27;" not in message.body


def test_plain_text_guide_and_payment_emails_keep_names_as_written(api: Any) -> None:
    from bookings.models import Booking
    from guides.emails import guide_email
    from payments.emails import late_payment_email
    from tests.bookings.helpers import book, bookable_departure
    from tests.guides.helpers import assign, at, departure_at, make_guide

    guide = make_guide(display_name=NAME)
    guide.user.email = "guide@example.org"
    guide.user.save()
    departure = departure_at(at(3, 10), title_fr="Terrils & cités d'ouvriers")
    assign(departure, guide)
    message = guide_email(guide=guide, departure=departure, kind="assigned")
    assert message is not None
    assert "Terrils & cités d'ouvriers" in f"{message.subject} {message.body}"
    assert "&amp;" not in f"{message.body} {message.subject}"

    contact = {"name": NAME, "email": "claire@example.org", "phone": "+33 6 12 34 56 78"}
    created = book(api, bookable_departure(), participants=10, contact=contact).json()
    late = late_payment_email(Booking.objects.get(reference=created["reference"]), 4200)
    assert NAME in late.body


PRODUCTION = {"DEBUG": False, "ALLOWED_HOSTS": ["visites.example.org"], "SECRET_KEY": "k" * 50}


@pytest.mark.parametrize(
    ("site_url", "secure_cookies", "refused"),
    [
        ("http://visites.example.org", True, True),
        ("visites.example.org", True, True),
        ("https://visites.example.org", True, False),
        # SECURE_COOKIES=0 is the documented plain-HTTP trial (and the benchmarks' set-up).
        ("http://127.0.0.1:8000", False, False),
    ],
)
def test_production_refuses_a_site_url_without_https(
    site_url: str, secure_cookies: bool, refused: bool
) -> None:
    from django.core.checks import run_checks
    from django.test import override_settings

    from core import checks

    with override_settings(**PRODUCTION, SITE_URL=site_url, SESSION_COOKIE_SECURE=secure_cookies):
        ids = {message.id for message in run_checks()}
    assert (checks.E_SITE_URL_NOT_HTTPS in ids) is refused


def test_hsts_preload_and_subdomains_are_opt_in() -> None:
    import os
    import secrets
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "from django.conf import settings; "
        "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "settings.SECURE_HSTS_PRELOAD)"
    )
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}
    for name in ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "DATABASE_URL"):
        env.pop(name, None)

    def read(**extra: str) -> str:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=Path(__file__).resolve().parents[2],
            env={**env, "DJANGO_SETTINGS_MODULE": "backend.settings", **extra},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout.strip()

    assert read() == "31536000 False False"
    opted_in = read(SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1")
    assert opted_in == "31536000 True True"
