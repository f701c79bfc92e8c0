"""The API docs page in a real browser, under its Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_their_content_security_policy(page: Any) -> None:
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI drew the operations from the schema: its scripts ran, nothing was blocked.
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    assert page.problems == []
