"""The contact form's API: an e-mail to the office, problem+json on bad input, a honeypot that
drops robots' messages with the same answer, and a throttle per client."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core import mail
from rest_framework.throttling import ScopedRateThrottle

from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/contact/"


def message(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Claire Martin",
        "email": "claire@example.org",
        "organisation": "Mairie d'Arras",
        "subject": "Visite pour 45 agents",
        "message": "Bonjour,\nnous aimerions venir à 45 en juin. Est-ce possible ?",
        "website": "",
    }
    body.update(overrides)
    return body


def test_a_message_is_mailed_to_the_office_with_reply_to_the_sender(
    api: Any, settings: Any
) -> None:
    settings.OFFICE_EMAIL = "office@example.org"
    response = api.post(URL, message(), format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 202, response.content
    assert response.json() == {"detail": "Votre message a été transmis à l'équipe."}
    [sent] = mail.outbox
    assert sent.to == ["office@example.org"]
    assert sent.reply_to == ["Claire Martin <claire@example.org>"]
    assert sent.subject == "[Contact] Visite pour 45 agents"
    assert "Organisation: Mairie d'Arras" in sent.body  # plain text: no HTML escaping
    assert "nous aimerions venir à 45 en juin. Est-ce possible ?" in sent.body


def test_the_organisation_is_optional(api: Any) -> None:
    body = message()
    del body["organisation"], body["website"]
    assert api.post(URL, body, format="json").status_code == 202
    assert "Organisation: -" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"email": "claire@"}, "email", "invalid"),
        ({"name": ""}, "name", "blank"),
        ({"subject": "Hello\nBcc: victim@example.org"}, "subject", "one_line"),
        ({"message": "x" * 5001}, "message", "max_length"),
    ],
)
def test_invalid_input_is_a_problem_with_field_and_code_and_sends_nothing(
    api: Any, overrides: dict[str, Any], field: str, code: str
) -> None:
    response = api.post(URL, message(**overrides), format="json")
    body = assert_problem(response, 400, "validation_error", field)
    assert (field, code) in [(row["field"], row["code"]) for row in body["errors"]]
    assert mail.outbox == []


def test_a_missing_body_lists_every_required_field(api: Any) -> None:
    body = assert_problem(api.post(URL, {}, format="json"), 400, "validation_error")
    assert {row["field"] for row in body["errors"]} == {"name", "email", "subject", "message"}


def test_a_filled_honeypot_gets_the_same_answer_sends_nothing_and_logs_no_personal_data(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    human = api.post(URL, message(), format="json")
    mail.outbox.clear()
    with caplog.at_level(logging.INFO, logger="legal.services"):
        robot = api.post(URL, message(website="http://spam.example"), format="json")
    assert robot.status_code == human.status_code == 202
    assert robot.json() == human.json()
    assert mail.outbox == []
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "spam" in logged
    for personal in ("Claire", "claire@example.org", "Arras", "45", "spam.example"):
        assert personal not in logged


def test_the_form_is_throttled_per_client(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "contact": "2/hour"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    for _ in range(2):
        assert api.post(URL, message(), format="json").status_code == 202
    response = api.post(URL, message(), format="json")
    assert_problem(response, 429, "throttled")
    assert len(mail.outbox) == 2
    api.defaults["REMOTE_ADDR"] = "192.0.2.7"  # another client still gets through
    assert api.post(URL, message(), format="json").status_code == 202
