"""Several web nodes on loopback, as production runs them: the machinery of
tests/ops/test_several_nodes.py.

Two gunicorn nodes with separate memory behind nginx (Debian's package), two Celery workers on
the one Redis, PostgreSQL through PgBouncer in transaction mode, an S3-compatible object store
(moto's server mode), all on a new database dropped afterwards. ``Cluster`` talks to them.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_DB = "redis://127.0.0.1:6379/12"
BUCKET = "voyages-uploads"

SETUP = """
from django.contrib.auth import get_user_model
from guides.services import feed_token_rotate, guide_create
from tests.bookings.helpers import bookable_departure
user = get_user_model().objects.create_user(username="guide", password="not used here 42")
guide = guide_create(user=user, display_name="Guide", languages=["fr"])
print(bookable_departure(capacity=30).pk, bookable_departure(slug="terrils").pk, guide.pk,
      feed_token_rotate(guide=guide), bookable_departure(slug="devis", capacity=60).pk,
      bookable_departure(slug="messages", days=29).pk)
"""


def which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, what: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            pytest.fail(f"{what} exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{what} did not listen on {port}: {log.read_text(errors='replace')[-3000:]}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Cluster:
    nodes: list[int]
    front: int
    env: dict[str, str]
    departures: tuple[int, int]
    guide_id: int
    feed_token: str
    quote_departure: int
    messages_departure: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def request(
        self,
        port: int,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            payload: Any = body if isinstance(body, bytes) or body is None else json.dumps(body)
            all_headers = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=payload, headers=all_headers)
            answer = conn.getresponse()
            return Response(
                answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
            )
        finally:
            conn.close()

    def shell(self, code: str) -> str:
        """Python run by a third process of the app (as a management command or a task would)."""
        done = subprocess.run(  # noqa: S603  (our own manage.py)
            [sys.executable, "manage.py", "shell", "-v0", "-c", code],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


def _start(
    argv: list[str], env: dict[str, str], log: Path, processes: list[subprocess.Popen[bytes]]
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603  (servers installed by .ci/run)
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    processes.append(process)
    return process


def _pgbouncer(run: Path, database: str, processes: list[subprocess.Popen[bytes]]) -> int:
    port = _free_port()
    (run / "userlist.txt").write_text('"postgres" ""\n')
    ini = run / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
{database} = host=127.0.0.1 port=5432 dbname={database} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {run / "userlist.txt"}
pool_mode = transaction
default_pool_size = 8
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
pidfile = {run / "pgbouncer.pid"}
"""
    )
    argv = [which("pgbouncer") or "pgbouncer", str(ini)]
    if os.geteuid() == 0:  # it refuses to run as root
        argv[1:1] = ["-u", "postgres"]
    log = run / "pgbouncer.log"
    _wait_for_port(port, "pgbouncer", _start(argv, dict(os.environ), log, processes), log)
    return port


def _nginx(run: Path, nodes: list[int], processes: list[subprocess.Popen[bytes]]) -> int:
    port = _free_port()
    upstream = "\n".join(f"        server 127.0.0.1:{node};" for node in nodes)
    conf = run / "nginx.conf"
    conf.write_text(
        f"""worker_processes 1;
daemon off;
pid {run / "nginx.pid"};
error_log {run / "nginx-error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {run / "nginx-body"};
    proxy_temp_path {run / "nginx-proxy"};
    fastcgi_temp_path {run / "nginx-fastcgi"};
    uwsgi_temp_path {run / "nginx-uwsgi"};
    scgi_temp_path {run / "nginx-scgi"};
    upstream web {{
{upstream}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 12m;
        location / {{
            proxy_pass http://web;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""
    )
    log = run / "nginx.log"
    argv = [which("nginx") or "nginx", "-c", str(conf), "-p", str(run)]
    _wait_for_port(port, "nginx", _start(argv, dict(os.environ), log, processes), log)
    return port


def _moto(run: Path, processes: list[subprocess.Popen[bytes]]) -> int:
    port = _free_port()
    log = run / "moto.log"
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    _wait_for_port(port, "moto", _start(argv, dict(os.environ), log, processes), log)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("PUT", f"/{BUCKET}")
    assert conn.getresponse().status == 200
    conn.close()
    return port


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """Two web nodes, two workers, PgBouncer, nginx and moto on loopback, on a new database
    dropped afterwards."""
    # pgbouncer and nginx's workers drop root: their directory must be theirs to reach and write
    # (pytest's own temporary directories are private to root).
    run = Path(tempfile.mkdtemp(prefix="va-nodes-"))
    run.chmod(0o777)
    database = f"va_nodes_{os.getpid()}_{secrets.token_hex(3)}"
    processes: list[subprocess.Popen[bytes]] = []
    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3) as admin:
        admin.execute(f"CREATE DATABASE {database}")
    try:
        env = {
            **os.environ,
            "DATABASE_URL": f"{PG}/{database}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "https://visites.example.org",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_ROOT": str(run / "static"),
            # Every e-mail as a file, to count what the workers sent.
            # (django-environ reads the path after "filemail://" as relative unless it has a
            # second leading slash)
            "EMAIL_URL": f"filemail:///{run / 'mail'}",
            "REDIS_URL": REDIS_DB,
            "LOG_LEVEL": "WARNING",
            "THROTTLE_BOOKING_CREATE": "1000/minute",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
            "MEDIA_ROOT": str(run / "media-not-used"),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        redis.Redis.from_url(REDIS_DB).flushdb()
        setup = Cluster([], 0, env, (0, 0), 0, "", 0, 0).shell(SETUP).split()
        bouncer = _pgbouncer(run, database, processes)
        store = _moto(run, processes)
        env.update(
            {
                # Every node and worker reaches PostgreSQL through the pooler.
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{bouncer}/{database}",
                "DATABASE_BEHIND_TRANSACTION_POOLER": "1",
                "S3_BUCKET": BUCKET,
                "S3_ENDPOINT_URL": f"http://127.0.0.1:{store}",
                "S3_REGION": "eu-west-3",
                "S3_ACCESS_KEY_ID": "test",
                "S3_SECRET_ACCESS_KEY": "test",
            }
        )
        nodes = []
        for index in (1, 2):
            port = _free_port()
            node_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
            log = run / f"web{index}.log"
            argv = [sys.executable, "-m", "gunicorn", "-c", "python:backend.gunicorn_conf"]
            _wait_for_port(port, f"web {index}", _start(argv, node_env, log, processes), log)
            nodes.append(port)
        for index in (1, 2):
            argv = [
                *(sys.executable, "-m", "celery", "-A", "backend", "worker"),
                *("--concurrency", "1", "--hostname", f"worker{index}@%h", "--loglevel", "WARNING"),
            ]
            _start(argv, env, run / f"worker{index}.log", processes)
        front = _nginx(run, nodes, processes)
        yield Cluster(
            nodes,
            front,
            env,
            (int(setup[0]), int(setup[1])),
            int(setup[2]),
            setup[3],
            int(setup[4]),
            int(setup[5]),
            processes,
        )
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(run, ignore_errors=True)
