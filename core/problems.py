"""RFC 9457 problem details for every error the API answers.

Validation errors list ``errors: [{field, code, message}]`` with dotted field paths
(``organisation.siret``, ``stops.0.site``); domain errors carry their own code and field.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.errors import DomainError

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:voyages-apprenants:problem:"

NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def problem_type(code: str) -> str:
    return f"{TYPE_PREFIX}{code}"


def problem_body(
    *, status_code: int, code: str, title: str, detail: str, errors: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "type": problem_type(code),
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
        "errors": errors,
    }


def flatten_errors(detail: Any, codes: Any, prefix: str = "") -> Iterator[dict[str, Any]]:
    """Walk DRF's nested error structure and yield ``{field, code, message}`` rows."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in NON_FIELD_KEYS else str(key)
            path = ".".join(part for part in (prefix, name) if part)
            yield from flatten_errors(
                value, codes.get(key) if isinstance(codes, dict) else codes, path
            )
    elif isinstance(detail, list):
        all_strings = all(not isinstance(item, dict | list) for item in detail)
        for index, item in enumerate(detail):
            item_codes = codes[index] if isinstance(codes, list) and index < len(codes) else codes
            if all_strings:
                yield from flatten_errors(item, item_codes, prefix)
            elif item:
                yield from flatten_errors(
                    item, item_codes, f"{prefix}.{index}" if prefix else str(index)
                )
    else:
        yield {
            "field": prefix or None,
            "code": codes if isinstance(codes, str) else "invalid",
            "message": str(detail),
        }


def _response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=body["status"], content_type=CONTENT_TYPE, headers=headers)
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler answering problem+json for every error it can see."""
    if isinstance(exc, DomainError):
        body = problem_body(
            status_code=exc.status,
            code=exc.code,
            title=str(exc.message),
            detail=str(exc.message),
            errors=[{"field": exc.field, "code": exc.code, "message": str(exc.message)}],
        )
        body.update(exc.extra)
        return _response(body)
    if isinstance(exc, DjangoValidationError):
        # A model's full_clean() in a service: the same 400 as a serializer's validation error.
        exc = exceptions.ValidationError(_django_error_detail(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's 500 handler answers problem+json too

    headers: dict[str, str] = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        request = context.get("request")
        authenticator = getattr(request, "successful_authenticator", None)
        if authenticator is None and request is not None and request.authenticators:
            header = request.authenticators[0].authenticate_header(request)
            if header:
                headers["WWW-Authenticate"] = header

    if isinstance(exc, exceptions.ValidationError):
        errors = list(flatten_errors(exc.detail, exc.get_codes()))
        body = problem_body(
            status_code=exc.status_code,
            code="validation_error",
            title=_("The request is not valid."),
            detail="; ".join(
                f"{row['field']}: {row['message']}" if row["field"] else row["message"]
                for row in errors
            ),
            errors=errors,
        )
        return _response(body, headers)

    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    message = str(exc.detail)
    body = problem_body(
        status_code=exc.status_code,
        code=str(code),
        title=message,
        detail=message,
        errors=[{"field": None, "code": str(code), "message": message}],
    )
    return _response(body, headers)


def _django_error_detail(exc: DjangoValidationError) -> Any:
    def details(errors: list[DjangoValidationError]) -> list[exceptions.ErrorDetail]:
        return [
            exceptions.ErrorDetail(message, code=error.code or "invalid")
            for error in errors
            for message in error.messages
        ]

    if hasattr(exc, "error_dict"):
        return {field: details(errors) for field, errors in exc.error_dict.items()}
    return details(exc.error_list)


def problem_response(status_code: int, code: str, message: str) -> JsonResponse:
    """A plain Django response in problem+json, for errors raised outside DRF views."""
    body = problem_body(
        status_code=status_code,
        code=code,
        title=message,
        detail=message,
        errors=[{"field": None, "code": code, "message": message}],
    )
    return JsonResponse(body, status=status_code, content_type=CONTENT_TYPE)


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(status.HTTP_404_NOT_FOUND, "not_found", _("Not found."))


DATABASE_UNAVAILABLE = "service_unavailable"
RETRY_AFTER_SECONDS = 5


def handler500(request: HttpRequest) -> JsonResponse:
    # A database that is down or restarting is not a bug: tell the client to come back (and
    # Stripe to retry its webhook). Persistent connections are health-checked, so the app
    # recovers by itself once the database is back.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = problem_response(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            DATABASE_UNAVAILABLE,
            _("The service is briefly unavailable; please retry in a moment."),
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return problem_response(
        status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error", _("An unexpected error occurred.")
    )


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(status.HTTP_400_BAD_REQUEST, "bad_request", _("Bad request."))


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(status.HTTP_403_FORBIDDEN, "permission_denied", _("Forbidden."))
