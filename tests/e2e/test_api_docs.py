"""The API documentation pages in a real browser: nothing from another host, and Swagger UI
renders under its Content-Security-Policy (issue 13, items 12 and 18)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "shows"),
    [("/api/redoc/", "Voyages apprenants API"), ("/api/docs/", "Voyages apprenants API")],
)
def test_the_api_docs_load_only_local_assets(
    page: Any, live_server: Any, path: str, shows: str
) -> None:
    requested: list[str] = []
    blocked: set[str] = set()
    page.on("request", lambda request: requested.append(request.url))
    # Refused by the page's Content-Security-Policy inside the browser: never sent.
    page.on(
        "requestfailed",
        lambda request: (
            blocked.add(request.url)
            if (request.failure or "").lower() in ("csp", "net::err_blocked_by_csp")
            else None
        ),
    )
    page.goto(path)
    page.get_by_text(shows).first.wait_for()
    page.wait_for_load_state("networkidle")
    foreign = [
        url
        for url in requested
        if not url.startswith((live_server.url, "data:", "blob:", "about:")) and url not in blocked
    ]
    assert foreign == []
    assert requested  # the page and its assets were seen


def test_the_api_docs_render_under_their_content_security_policy(page: Any) -> None:
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI drew the operations from the schema: its scripts ran, nothing was blocked.
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    assert page.problems == []
