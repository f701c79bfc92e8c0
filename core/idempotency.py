"""HTTP ``Idempotency-Key`` for the POSTs that move seats or money.

A client that may retry a POST sends ``Idempotency-Key: <unique value>``. With a key:

- the first request claims it by inserting an ``in_progress`` row, then runs the view; a success
  (2xx) is stored and the row becomes ``done``;
- the same key with the same request (method, path with query string, body, credentials) replays
  the stored status and body with ``Idempotent-Replayed: true``, and the view does not run again;
- the same key with another request is refused with 422 ``idempotency_key_reused``;
- the same key while the first request still runs is answered 409
  ``idempotency_request_in_progress`` with ``Retry-After: 1``;
- every other answer (a 4xx refusal, which changed nothing, or a 5xx) and exceptions release the
  key: the same request may be retried, or a corrected one sent, under the same key.

Keys are kept ``IDEMPOTENCY_KEY_TTL_HOURS`` (24) hours; an expired key is a new key. The table
holds no secret in clear: the key as its SHA-256, the credentials as a hash (``scope``), and the
answer sealed with a key derived from the Idempotency-Key and ``SECRET_KEY`` (core/sealing.py),
so that only a client presenting the key again reads a new booking's token from it.
``idempotency_key_purge_expired`` (command ``purge_idempotency_keys``, Celery task of the same
name) deletes expired rows.

Usage, on a DRF view handler (``create``, ``post``, an ``@action`` method)::

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response: ...

Put ``@idempotent`` above ``@action`` (DRF's ``@action`` replaces the ``kwargs`` that carry the
OpenAPI annotation of the ``Idempotency-Key`` header); anywhere around ``@extend_schema``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.clients import client_address
from core.models import IdempotencyKey, IdempotencyStatus
from core.problems import CONTENT_TYPE, problem_body
from core.sealing import seal, unseal

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RETRY_AFTER_SECONDS = 1
REPLAYED_HEADERS = ("Location",)

INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
IDEMPOTENCY_REQUEST_IN_PROGRESS = "idempotency_request_in_progress"
IDEMPOTENCY_ANSWER_UNREADABLE = "idempotency_answer_unreadable"

INVALID_KEY_MESSAGE = _("The Idempotency-Key header must be 1 to 255 visible ASCII characters.")
KEY_REUSED_MESSAGE = _("This Idempotency-Key was already used for a different request.")
IN_PROGRESS_MESSAGE = _(
    "A request with this Idempotency-Key is still being processed; retry in a moment."
)
ANSWER_UNREADABLE_MESSAGE = _(
    "The answer to this Idempotency-Key can no longer be read back; look the result up instead "
    "of retrying."
)

# Visible ASCII (no space, no control character), as the header's draft recommends.
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value (1 to 255 visible ASCII characters, a UUID is fine) that makes a retry "
        "safe: the same key with the same request replays the first answer "
        f"(with `{REPLAYED_HEADER}: true`); with another request it is refused with 422; while "
        "the first request runs, 409 with `Retry-After`. Keys are kept 24 hours."
    ),
)

# Test-only seam: called once the key is claimed (its row committed) and before the view runs,
# so that a concurrency test can hold the first request while its duplicates arrive.
_after_claim: Callable[[], None] | None = None

Handler = TypeVar("Handler", bound=Callable[..., Response])


@dataclass(frozen=True)
class _Identity:
    """What makes two requests "the same": credentials and key, then method, path and body."""

    scope: str
    key: str  # in memory only: it opens the sealed answer, so only its hash is stored
    fingerprint: str

    @property
    def key_hash(self) -> str:
        return hashlib.sha256(self.key.encode("ascii")).hexdigest()

    def context(self, status_code: int) -> bytes:
        """What a sealed answer is bound to: the row's identity and the answer's status."""
        return f"{self.scope}:{self.key_hash}:{self.fingerprint}:{status_code}".encode()


def idempotent(method: Handler) -> Handler:
    """Honour ``Idempotency-Key`` on a DRF view handler; without the header, a no-op.

    It wraps the handler, which DRF calls after authentication, permissions and throttling: a
    request refused there never touches a key, and the credentials are known. The key row is
    written in its own short transactions, before and after the view, never around it: the view's
    services open their own transactions and take their own row locks.
    """

    @wraps(method)
    def wrapper(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw_key = request.META.get("HTTP_IDEMPOTENCY_KEY")
        if raw_key is None:
            return method(view, request, *args, **kwargs)
        if not KEY_PATTERN.fullmatch(raw_key):
            return _problem(400, INVALID_IDEMPOTENCY_KEY, str(INVALID_KEY_MESSAGE))
        identity = _identify(request, raw_key)
        claim = _claim(identity)
        if isinstance(claim, Response):
            return claim
        try:
            if _after_claim is not None:
                _after_claim()
            try:
                response = method(view, request, *args, **kwargs)
            except Exception as exc:
                # DRF would turn the exception into an answer after we return, in dispatch():
                # do it here, so that what is stored is the final problem+json answer. It
                # re-raises what it cannot answer (a bug), and so do we, below.
                response = view.handle_exception(exc)
        except BaseException:
            _release(claim)
            raise
        _store(claim, response, identity)
        return response

    # The handler keeps its signature (``cast``): views override DRF mixins' ``create``.
    return cast(Handler, extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])(wrapper))


def idempotency_key_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the keys past their expiry; return how many. Takes no lock."""
    deleted, _per_model = IdempotencyKey.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


# --- Identity -------------------------------------------------------------------------------


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        # Length-prefixed, so that no two different part lists hash the same bytes.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _identify(request: Request, key: str) -> _Identity:
    credentials: list[bytes] = []
    user = request.user
    if user.is_authenticated:
        credentials.append(f"user:{user.pk}".encode())
    # ``X-Booking-Token``, a group's credential; hashed into the scope, never stored in clear.
    token = request.META.get("HTTP_X_BOOKING_TOKEN")
    if token:
        credentials.append(b"booking-token:" + token.encode("latin-1"))
    if not credentials:
        # Anonymous clients are told apart by address, so that one client can never be replayed
        # another's answer (a new booking's answer carries its secret token). Behind a proxy,
        # the address it reports: its own is every client's.
        address = client_address(request)
        credentials.append(b"anonymous:" + address.encode("latin-1", errors="replace"))
    scope = _sha256(*credentials)
    path = request.get_full_path().encode("latin-1", errors="replace")
    fingerprint = _sha256((request.method or "").encode(), path, _body(request))
    return _Identity(scope=scope, key=key, fingerprint=fingerprint)


def _body(request: Request) -> bytes:
    try:
        return request.body
    except RawPostDataException:
        # A form body already parsed from the stream (Django's CSRF check reads POST for session
        # authentication): the parsed fields and file names/sizes stand for the bytes.
        django_request = request._request
        uploads = django_request.FILES
        files = sorted(
            (name, upload.name or "", upload.size or 0)
            for name in uploads
            for upload in uploads.getlist(name)
        )
        return f"{django_request.POST.urlencode()}\n{files!r}".encode()


# --- Claim, store, release ------------------------------------------------------------------


def _claim(identity: _Identity) -> IdempotencyKey | Response:
    """Insert the ``in_progress`` row, or answer from the row an earlier request left.

    The insert commits at once (its own transaction, outside the view's): a concurrent duplicate
    then collides on the unique (scope, key) constraint, and on PostgreSQL one still inserting
    waits for this commit and collides too. A row that vanishes or expires between our insert and
    our read is tried again; after three tries the request is told to come back.
    """
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    scope=identity.scope,
                    key_hash=identity.key_hash,
                    fingerprint=identity.fingerprint,
                    created_at=now,
                    expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS),
                )
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(
            scope=identity.scope, key_hash=identity.key_hash
        ).first()
        if existing is None:
            continue  # its request failed and released the key: claim it again
        if existing.expires_at <= now:
            IdempotencyKey.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint != identity.fingerprint:
            return _problem(422, IDEMPOTENCY_KEY_REUSED, str(KEY_REUSED_MESSAGE))
        if existing.status == IdempotencyStatus.DONE:
            return _replay(existing, identity)
        break
    return _problem(
        409,
        IDEMPOTENCY_REQUEST_IN_PROGRESS,
        str(IN_PROGRESS_MESSAGE),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _is_final(status_code: int) -> bool:
    """Whether an answer is the answer for good: a success, whose effect happened.

    A refusal (validation error, domain refusal, conflict, rate limit) changed nothing, so it is
    not stored, as Stripe does not: a form that keeps its key until it succeeds can send the
    corrected request under the same key. A 5xx is ours: the client retries with the key.
    """
    return 200 <= status_code < 300


def _store(claim: IdempotencyKey, response: Response, identity: _Identity) -> None:
    if not _is_final(response.status_code):
        _release(claim)
        return
    headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    # The body is stored as the JSON renderer writes it: the API speaks JSON only.
    headers["Content-Type"] = response.content_type or JSONRenderer.media_type
    answer = {"headers": headers, "body": JSONRenderer().render(response.data).decode()}
    try:
        sealed = seal(
            client_secret=identity.key.encode("ascii"),
            context=identity.context(response.status_code),
            plaintext=json.dumps(answer).encode(),
        )
        IdempotencyKey.objects.filter(pk=claim.pk).update(
            status=IdempotencyStatus.DONE,
            response_status=response.status_code,
            response_sealed=sealed,
        )
    except Exception:
        # The effect has happened: the client gets its answer all the same. The key stays
        # in_progress until it expires, so that a retry is refused (409) rather than run twice.
        logger.exception("Could not store the answer for idempotency key %s", claim.pk)


def _release(claim: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=claim.pk).delete()


# --- Answers --------------------------------------------------------------------------------


def _replay(stored: IdempotencyKey, identity: _Identity) -> Response:
    """The stored answer, byte for byte: a response already rendered is not rendered again.

    It opens only with the key the client sent; an answer sealed under a ``SECRET_KEY`` that is
    neither the current one nor a fallback cannot be read, and running the request again could
    repeat its effect: the client is told to look the result up (422)."""
    assert stored.response_status is not None  # the table's check constraint guarantees it
    plaintext = unseal(
        client_secret=identity.key.encode("ascii"),
        context=identity.context(stored.response_status),
        sealed=bytes(stored.response_sealed),
    )
    if plaintext is None:
        logger.warning("Could not open the stored answer of idempotency key %s", stored.pk)
        return _problem(422, IDEMPOTENCY_ANSWER_UNREADABLE, str(ANSWER_UNREADABLE_MESSAGE))
    answer = json.loads(plaintext)
    response = Response(status=stored.response_status)
    response.content = answer["body"].encode()
    for name, value in answer["headers"].items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _problem(
    status_code: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    body = problem_body(
        status_code=status_code,
        code=code,
        title=message,
        detail=message,
        errors=[{"field": HEADER, "code": code, "message": message}],
    )
    return Response(body, status=status_code, content_type=CONTENT_TYPE, headers=headers)
