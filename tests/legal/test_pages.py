"""The legal pages: an address per language, facts read from the seller profile and settings,
nothing invented, and the footer's links on every page of the site."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import get_template
from django.test import Client

from bookings.terms import TERMS_VERSIONS, current_terms
from invoicing.models import SellerProfile
from invoicing.services import DEMO_SELLER, seller_profile_get
from legal.pages import LANGUAGES, PAGES

pytestmark = pytest.mark.django_db

ALL_PATHS = [page.path(lang) for page in PAGES for lang in LANGUAGES]


def html(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.mark.parametrize("path", ALL_PATHS)
def test_every_page_answers_in_its_language_with_every_footer_link(
    client: Client, path: str
) -> None:
    lang = "en" if path.startswith("/en/") else "fr"
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Language"] == lang
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    body = response.content.decode()
    assert f'<html lang="{lang}">' in body
    for page in PAGES:
        assert f'href="{page.path(lang)}"' in body
    other = "fr" if lang == "en" else "en"
    assert f'hreflang="{other}"' in body


def test_paths_are_distinct_per_language() -> None:
    assert len(set(ALL_PATHS)) == len(ALL_PATHS)  # English under /en/, French at the root
    assert "/mentions-legales/" in ALL_PATHS and "/en/legal-notice/" in ALL_PATHS


def test_the_legal_notice_reads_the_seller_profile_and_settings(
    client: Client, settings: Any
) -> None:
    settings.LEGAL_PUBLICATION_DIRECTOR = "Jeanne Exemple, présidente"
    settings.HOSTING_PROVIDER_NAME = "Hébergeur Exemple SAS"
    settings.HOSTING_PROVIDER_ADDRESS = "1 rue de l'Exemple, 59000 Lille"
    settings.HOSTING_PROVIDER_PHONE = "+33 3 00 00 00 00"
    profile = seller_profile_get()
    profile.legal_name = "Association Voyages apprenants"
    profile.is_demo = False
    profile.save()
    body = html(client, "/mentions-legales/")
    for fact in (
        "Association Voyages apprenants",
        "Association loi 1901",
        DEMO_SELLER["siren"],
        "Jeanne Exemple, présidente",
        "Hébergeur Exemple SAS",
        "1 rue de l&#x27;Exemple, 59000 Lille",
        "+33 3 00 00 00 00",
        settings.OFFICE_EMAIL,
    ):
        assert fact in body
    assert "à renseigner" not in body.split("Immatriculation")[0]
    assert "démonstration" not in body


def test_unset_facts_are_shown_as_to_complete_and_the_demo_seller_as_demo(client: Client) -> None:
    body = html(client, "/mentions-legales/")
    assert "Site de démonstration" in body
    assert body.count("à renseigner par l'exploitant") >= 4  # director, host x3
    assert not SellerProfile.objects.exists()  # a page read creates nothing
    english = html(client, "/en/legal-notice/")
    assert "to be completed by the operator" in english


def test_the_privacy_notice_states_the_retention_settings(client: Client, settings: Any) -> None:
    settings.RETENTION_UNBOOKED_REQUEST_DAYS = 77
    settings.RETENTION_BOOKING_CONTACT_DAYS = 2 * 365
    settings.RETENTION_STRIPE_PAYLOAD_DAYS = 21
    body = html(client, "/confidentialite/")
    assert "effacé 77 jours" in body
    assert "anonymisé 2 ans après la visite" in body
    assert "après 21 jours" in body and "10 ans" in body
    assert "Stripe" in body and "CNIL" in body
    english = html(client, "/en/privacy/")
    assert "erased 77 days" in english and "anonymised 2 years" in english


def test_the_terms_carry_their_version_and_the_itinerary_cancellation_wording(
    client: Client, settings: Any
) -> None:
    settings.CONSUMER_MEDIATOR_NAME = "Médiateur Exemple du tourisme"
    body = html(client, "/conditions-generales-de-vente/")
    assert f'<strong id="terms-version">{current_terms().version}</strong>' in body
    assert "Jusqu&#x27;à 30 jours avant : 100 % remboursés" in body
    assert "Moins de 14 jours avant : 0 % remboursés" in body
    assert "Médiateur Exemple du tourisme" in body
    english = html(client, "/en/terms-of-sale/2026-11/")
    assert "Up to 30 days before: 100% refunded" in english
    assert client.get("/conditions-generales-de-vente/1999-01/").status_code == 404


def test_the_accessibility_statement_is_honest_about_its_checks(client: Client) -> None:
    body = html(client, "/accessibilite/")
    assert "partiellement conforme" in body and "Aucun audit complet" in body
    assert "axe-core" in body and "Défenseur des droits" in body
    assert "partially compliant" in html(client, "/en/accessibility/")


@pytest.mark.parametrize("path", ["/", "/itineraries/base-11-19", "/bookings/find"])
def test_the_web_app_shell_has_the_footer_in_both_languages_and_the_terms_version(
    client: Client, path: str
) -> None:
    body = html(client, path)
    for lang in LANGUAGES:
        for page in PAGES:
            assert f'href="{page.path(lang)}"' in body
    assert f'<meta name="va-terms" content="{current_terms().version}"' in body


def test_the_not_found_page_has_the_footer(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert 'href="/mentions-legales/"' in response.content.decode()


def test_the_guides_sign_in_page_has_the_footer(client: Client) -> None:
    body = html(client, "/accounts/login/")
    for page in PAGES:
        assert f'href="{page.path("fr")}"' in body


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_published_version_of_the_terms_has_its_text_in_both_languages(
    client: Client, lang: str
) -> None:
    prefix = "/conditions-generales-de-vente/" if lang == "fr" else "/en/terms-of-sale/"
    for version in TERMS_VERSIONS:
        get_template(f"legal/terms/{version.version}_{lang}.html")
        assert f'<strong id="terms-version">{version.version}</strong>' in html(
            client, f"{prefix}{version.version}/"
        )
