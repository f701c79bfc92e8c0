"""The Django application with each request's time taken apart (`make load`, ``LOAD_PROFILE=1``).

Per request, a line in ``$LOAD_PROFILE_DIR/<pid>.tsv``: method, path (no query), status, wall
milliseconds in the application, the thread's own CPU milliseconds (``time.thread_time``), the
milliseconds spent waiting on PostgreSQL (every statement, through ``execute_wrapper``) and the
number of statements. Wall minus CPU minus database is the time the thread waited for anything
else: the interpreter lock held by another thread of the worker, Redis, the Stripe fake.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.db import connection

from backend.wsgi import application as django_application

_out = Path(os.environ.get("LOAD_PROFILE_DIR", "/tmp")) / f"{os.getpid()}.tsv"  # noqa: S108
_lock = threading.Lock()
_local = threading.local()


def _timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        _local.db += time.perf_counter() - started
        _local.statements += 1


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    _local.db, _local.statements = 0.0, 0
    status: list[str] = []

    def recording(code: str, headers: Any, *args: Any) -> Any:
        status.append(code.split()[0])
        return start_response(code, headers, *args)

    wall, cpu = time.perf_counter(), time.thread_time()
    with connection.execute_wrapper(_timed):
        body = list(django_application(environ, recording))
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    line = (
        f"{environ['REQUEST_METHOD']}\t{environ['PATH_INFO']}\t{status[0] if status else '-'}\t"
        f"{1000 * wall:.2f}\t{1000 * cpu:.2f}\t{1000 * _local.db:.2f}\t{_local.statements}\n"
    )
    with _lock, _out.open("a") as out:
        out.write(line)
    return body
