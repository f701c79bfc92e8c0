"""Only the sign-in pages that are used are served (issue 13, item 16).

Django's whole ``auth.urls`` was included: password-reset pages, undocumented and unthrottled,
that mailed a reset link to any staff address on demand, from inside the request. Guides and the
office sign in and out; a forgotten password is reset by the office in the admin.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long pass phrase 42"


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
        "/accounts/password_change/",
        "/accounts/password_change/done/",
    ],
)
def test_unused_account_pages_are_not_served(path: str) -> None:
    client = Client()
    client.force_login(UserFactory(username="office", is_staff=True))
    assert client.get(path).status_code == 404


def test_no_reset_mail_can_be_asked_for() -> None:
    UserFactory(username="office", email="office@example.org", is_staff=True, password=PASSWORD)
    for _ in range(4):
        Client().post("/accounts/password_reset/", {"email": "office@example.org"})
    assert mail.outbox == []


def test_a_guide_signs_in_and_out() -> None:
    UserFactory(username="camille", password=PASSWORD)
    client = Client()
    signed_in = client.post("/accounts/login/", {"username": "camille", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/guide/"
    assert client.session.get("_auth_user_id")
    signed_out = client.post("/accounts/logout/")
    assert signed_out.status_code == 302
    assert signed_out["Location"] == "/guide/"
    assert not client.session.get("_auth_user_id")
