"""core 0003 seals the answers already stored, so a retry across the upgrade is still replayed."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.idempotency import _Identity
from core.sealing import unseal

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("core", "0002_consequence_outbox")]
AFTER = [("core", "0003_idempotency_key_sealed")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_migration_seals_stored_answers_and_hashes_keys() -> None:
    old_apps = _migrate(BEFORE).loader.project_state(BEFORE).apps
    try:
        old = old_apps.get_model("core", "IdempotencyKey")
        now = timezone.now()
        body = json.dumps({"token": "live-secret-token"})
        old.objects.create(
            key="retry-me",
            scope="s" * 64,
            fingerprint="f" * 64,
            status="done",
            response_status=201,
            response_body=body,
            response_headers={"Content-Type": "application/json"},
            created_at=now,
            expires_at=now + timedelta(hours=1),
        )
        new_apps = _migrate(AFTER).loader.project_state(AFTER).apps
        row = new_apps.get_model("core", "IdempotencyKey").objects.get()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert row.key_hash == hashlib.sha256(b"retry-me").hexdigest()
    sealed = bytes(row.response_sealed)
    assert b"live-secret-token" not in sealed
    identity = _Identity(scope="s" * 64, key="retry-me", fingerprint="f" * 64)
    opened = unseal(client_secret=b"retry-me", context=identity.context(201), sealed=sealed)
    assert opened is not None
    assert json.loads(opened) == {
        "headers": {"Content-Type": "application/json"},
        "body": body,
    }
