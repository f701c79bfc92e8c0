"""No bearer API token: staff and guides sign in with a session (issue 13, item 17).

DRF's tokens were enabled, stored in clear, never expired and passed the guide check, and nothing
used them. An ``Authorization: Token ...`` header is no credential now, and no table keeps any.
"""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_an_authorization_token_header_is_no_credential(api: APIClient) -> None:
    anonymous = api.get("/api/v1/guides/me/schedule/")
    with_token = api.get(
        "/api/v1/guides/me/schedule/", HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef"
    )
    assert_problem(anonymous, 403, "not_authenticated")
    assert_problem(with_token, 403, "not_authenticated")


def test_no_table_keeps_api_tokens() -> None:
    tables = connection.introspection.table_names()
    assert not [name for name in tables if name.startswith("authtoken_")]
