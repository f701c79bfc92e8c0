"""Django's 404 outside the API: a page with a way back for browsers, in the reader's language;
problem+json for the API and for clients that do not ask for HTML (issue 14 item 7)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HTML = "text/html,application/xhtml+xml,*/*;q=0.8"


@pytest.mark.parametrize(
    ("language", "heading", "back"),
    [
        ("fr", "Page introuvable", "Voir tous les itinéraires"),
        ("en", "Page not found", "See all itineraries"),
    ],
)
def test_a_browser_gets_a_page_with_a_link_to_the_catalogue(
    client: Client, language: str, heading: str, back: str
) -> None:
    response = client.get("/no/such/page", HTTP_ACCEPT=HTML, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert f"<h1>{heading}</h1>" in body
    assert f'<a class="button primary" href="/">{back}</a>' in body
    assert f'<html lang="{language}">' in body
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_api_keeps_problem_json_even_for_a_browser(client: Client) -> None:
    response = client.get("/api/v1/nothing-here/", HTTP_ACCEPT=HTML)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_client_that_does_not_ask_for_html_gets_problem_json(client: Client) -> None:
    response = client.get("/no/such/page", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
