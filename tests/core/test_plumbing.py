"""Problem+json for every error, health check, schema, body limits, settings checks."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from core import checks
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_redis_is_configured_but_down(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


def test_unknown_url_is_problem_json(client: Any) -> None:
    assert_problem(client.get("/api/v1/nothing-here/"), 404, "not_found")


def test_malformed_json_is_a_400_problem(staff_api: Any) -> None:
    response = staff_api.post(
        "/api/v1/departures/", data="{not json", content_type="application/json"
    )
    assert_problem(response, 400, "parse_error")


def test_wrong_content_type_is_a_415_problem(staff_api: Any) -> None:
    response = staff_api.post("/api/v1/departures/", data="a=b", content_type="text/plain")
    assert_problem(response, 415, "unsupported_media_type")


def test_method_not_allowed_is_a_problem(api: Any) -> None:
    assert_problem(api.delete("/api/v1/themes/"), 405, "method_not_allowed")


def test_oversized_body_is_refused_with_413(staff_api: Any) -> None:
    body = '{"notes": "' + "x" * (70 * 1024) + '"}'
    response = staff_api.post("/api/v1/departures/", data=body, content_type="application/json")
    assert_problem(response, 413, "body_too_large")


def test_schema_and_docs_are_served_without_a_cdn(client: Any) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/itineraries/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    assert "swagger-ui" in html


def test_production_check_refuses_default_secret_and_hosts() -> None:
    with override_settings(
        DEBUG=False, ALLOWED_HOSTS=[], SECRET_KEY="django-insecure-development-only-key"
    ):
        ids = {message.id for message in run_checks()}
    assert {checks.E001, checks.E002} <= ids


def test_production_check_accepts_a_real_configuration() -> None:
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["visites.example"], SECRET_KEY="k" * 50):
        ids = {message.id for message in run_checks()}
    assert not {checks.E001, checks.E002} & ids


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "core.cache_backend.ResilientRedisCache", "LOCATION": "redis://x"}}
PRODUCTION = {"ALLOWED_HOSTS": ["visites.example"], "SECRET_KEY": "k" * 50}


def test_production_check_refuses_a_per_process_cache() -> None:
    with override_settings(DEBUG=False, CACHES=LOCMEM, **PRODUCTION):
        messages = [message for message in run_checks() if message.id == checks.E003]
    assert len(messages) == 1
    assert messages[0].hint == "Set REDIS_URL, so that every process shares one cache."


def test_per_process_cache_is_accepted_in_development_and_a_shared_one_in_production() -> None:
    with override_settings(DEBUG=True, CACHES=LOCMEM):
        assert checks.E003 not in {message.id for message in run_checks()}
    with override_settings(DEBUG=False, CACHES=REDIS, **PRODUCTION):
        assert checks.E003 not in {message.id for message in run_checks()}
