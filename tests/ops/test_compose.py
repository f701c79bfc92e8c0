"""The compose file runs the shape the several-nodes test checks (tests/ops/test_several_nodes.py).

Docker is not on the CI machine, so the file is read as data: the web containers can be scaled
(no host port of their own, a proxy in front that follows them), every app container reaches
PostgreSQL through PgBouncer in transaction mode and says so to Django, the migration goes
straight to PostgreSQL, and beat is never scaled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))


def test_web_containers_scale_behind_the_proxy() -> None:
    services = _compose()["services"]
    assert "ports" not in services["web"], "a host port on web forbids --scale web=3"
    assert services["proxy"]["ports"] == ["${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}:80"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server web:8000 resolve" in nginx  # follows the containers as they are scaled
    assert "resolver 127.0.0.11" in nginx  # Docker's DNS


def test_the_app_reaches_postgresql_through_pgbouncer_in_transaction_mode() -> None:
    compose = _compose()
    env = compose["x-app"]["environment"]
    assert "@pgbouncer:6432/voyages" in env["DATABASE_URL"]
    assert env["DATABASE_BEHIND_TRANSACTION_POOLER"] == "1"
    assert "@db:5432/voyages" in compose["services"]["migrate"]["environment"]["DATABASE_URL"]
    entrypoint = (ROOT / "deploy" / "pgbouncer" / "entrypoint.sh").read_text()
    assert "pool_mode = transaction" in entrypoint


def test_the_settings_follow_the_pooler_and_the_object_store() -> None:
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS'), "
        "s.STORAGES['default']]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": "postgres://voyages@127.0.0.1:6432/voyages",
        "DATABASE_BEHIND_TRANSACTION_POOLER": "1",
        "S3_BUCKET": "uploads",
        "S3_ENDPOINT_URL": "https://s3.example.org",
    }
    done = subprocess.run(  # noqa: S603  (this interpreter)
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    cursors_off, storage = json.loads(done.stdout)
    assert cursors_off is True  # server-side cursors outlive a pooled transaction
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "uploads"
    assert storage["OPTIONS"]["endpoint_url"] == "https://s3.example.org"
    assert storage["OPTIONS"]["default_acl"] is None  # private objects


def test_beat_is_one() -> None:
    beat = _compose()["services"]["beat"]
    assert "deploy" not in beat or beat["deploy"].get("replicas", 1) == 1
