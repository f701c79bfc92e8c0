"""Cross-cutting tables with no domain knowledge: the idempotency keys of HTTP requests, and the
abstract counter row of gapless numbering (core.numbering)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """A gapless counter row: each app's sequence model adds its key fields (core.numbering)."""

    last_number = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        abstract = True


class IdempotencyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")  # the first request is running its view
    DONE = "done", _("Done")  # its answer is stored and replayed to every identical retry


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a client sent, and the answer its first request got.

    Written only by ``core.idempotency``. Keys are per credentials (``scope``): two clients may
    pick the same key without seeing each other's answers.
    """

    # SHA-256 (hex) of the Idempotency-Key: the key itself is the client's secret, which opens
    # the sealed answer below, so it is never stored.
    key_hash = models.CharField(max_length=64)
    # SHA-256 (hex) of the credentials the request came with, so no secret is stored in clear.
    scope = models.CharField(max_length=64)
    # SHA-256 (hex) of method, path with query string, and body bytes.
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=IdempotencyStatus.choices, default=IdempotencyStatus.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The answer's headers worth replaying and its JSON text, sealed (core/sealing.py) with a key
    # derived from the Idempotency-Key and SECRET_KEY: a new booking's answer holds its token.
    response_sealed = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        indexes = [models.Index(fields=["expires_at"], name="idempotency_key_expires_at")]
        constraints = [
            # The claim: of two identical requests arriving at once, only one inserts its row.
            models.UniqueConstraint(
                fields=["scope", "key_hash"], name="idempotency_key_unique_scope"
            ),
            models.CheckConstraint(
                condition=Q(status=IdempotencyStatus.IN_PROGRESS)
                | Q(response_status__isnull=False),
                name="idempotency_key_done_has_response",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in IdempotencyStatus]),
                name="idempotency_key_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_hash[:12]} ({self.status})"


class Consequence(models.Model):
    """Something that must happen because a change committed (a refund, a credit note, the
    delivery of an invoice): the outbox row of ``core.outbox``.

    Written in the change's own transaction, so that it exists if and only if the change does;
    carried out after commit by a task, and by the periodic sweep when that task never ran (the
    process died) or failed. ``handler`` names a function a higher app registered.
    """

    handler = models.CharField(max_length=100, verbose_name=_("handler"))
    # Unique: recording the same consequence of the same change twice records it once.
    key = models.CharField(max_length=200, unique=True, verbose_name=_("key"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    # When it may run (again): now at first, later after each failure (backoff).
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt at"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))

    class Meta:
        verbose_name = _("consequence")
        verbose_name_plural = _("consequences")
        indexes = [
            # What the sweep reads: the rows not done yet, by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(done_at__isnull=True),
                name="consequence_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.handler} {self.key} ({'done' if self.done_at else 'to do'})"
