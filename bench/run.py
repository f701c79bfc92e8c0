"""`make bench`: the API's speed as ratios against bare baselines measured in the same run.

Brings up gunicorn with the production settings (PostgreSQL, Redis) on loopback over a bench
data set, drives each endpoint and its baseline with the same load generator (threads with
keep-alive connections), repeats each measure, keeps the median, and writes
bench/results.json and a table. Only loopback is ever contacted.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = "va_bench"
PG = "postgres://postgres@127.0.0.1:5432"
DURATION = float(os.environ.get("BENCH_SECONDS", "4"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))

# (name, what is measured, target, "min" when higher is better / "max" when lower is better)
TARGETS = {
    "catalogue_list": (0.5, "min"),
    "availability_month": (0.3, "min"),
    "booking_hot": (0.5, "min"),
    "booking_spread": (0.6, "min"),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "BENCH_VIEWS": "1",
        # One load generator is one client: per-client throttling would only measure 429s.
        "THROTTLE_ANON": "off",
        "THROTTLE_USER": "off",
        "THROTTLE_BOOKING_CREATE": "off",
        "THROTTLE_BOOKING_LOOKUP": "off",
        "LOG_LEVEL": "WARNING",
        "SITE_URL": f"http://127.0.0.1:{port}",
    }


def prepare(env: dict[str, str]) -> dict[str, Any]:
    import psycopg
    import redis

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "bench.dataset"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603
        [
            PYTHON,
            "-m",
            "gunicorn",
            "backend.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not come up")


Request = Callable[[int], tuple[str, str, bytes | None]]


def load(port: int, make_request: Request) -> dict[str, float]:
    """CONCURRENCY threads send requests back to back for DURATION seconds."""
    stop = time.monotonic() + DURATION
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(10**9))

    def worker() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < stop:
            method, path, body = make_request(next(counter))
            headers = {"Content-Type": "application/json"} if body else {}
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status >= 400:
                with lock:
                    errors += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rps": len(latencies) / DURATION,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "errors": errors,
    }


def median_of(port: int, make_request: Request) -> dict[str, Any]:
    runs = [load(port, make_request) for _ in range(REPEATS)]
    best = sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]
    return {**best, "runs_rps": [round(run["rps"], 1) for run in runs]}


def booking_body(departure: int, index: int) -> bytes:
    return json.dumps(
        {
            "departure": departure,
            "participants": 1,
            "language": "fr",
            "options": [],
            "organisation": {"name": f"Bench {index}", "type": "school"},
            "contact": {"name": "Bench", "email": "bench@example.org"},
            "billing": {"address": "1 rue", "postal_code": "62750", "city": "Loos"},
            "payment_method": "invoice",
        }
    ).encode()


def worker_rss_mb(server: subprocess.Popen[bytes]) -> float:
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(server.pid):
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return max(sizes, default=0.0)


def main() -> int:
    port = free_port()
    env = environment(port)
    data = prepare(env)
    server = start_server(env, port)
    try:
        slug, hot, spread = data["itinerary"], data["hot_departure"], data["spread_departures"]
        month = f"from={data['month_from']}&to={data['month_to']}"
        bare_json = median_of(port, lambda i: ("GET", "/bench/json", None))
        rows = {
            "catalogue_list": (
                median_of(port, lambda i: ("GET", "/api/v1/itineraries/", None)),
                bare_json,
            ),
            "availability_month": (
                median_of(
                    port,
                    lambda i: ("GET", f"/api/v1/itineraries/{slug}/availability/?{month}", None),
                ),
                bare_json,
            ),
        }
        bare_book = median_of(port, lambda i: ("POST", f"/bench/book/{hot}", b"{}"))
        rows["booking_hot"] = (
            median_of(port, lambda i: ("POST", "/api/v1/bookings/", booking_body(hot, i))),
            bare_book,
        )
        bare_spread = median_of(
            port, lambda i: ("POST", f"/bench/book/{spread[i % len(spread)]}", b"{}")
        )
        rows["booking_spread"] = (
            median_of(
                port,
                lambda i: ("POST", "/api/v1/bookings/", booking_body(spread[i % len(spread)], i)),
            ),
            bare_spread,
        )
        rss = worker_rss_mb(server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    results: dict[str, Any] = {
        "duration_s": DURATION,
        "repeats": REPEATS,
        "concurrency": CONCURRENCY,
        "rows": {},
    }
    failed = False
    print(f"{'measure':<22}{'ours rps':>10}{'bare rps':>10}{'ratio':>8}{'target':>9}  ok")
    for name, (ours, bare) in rows.items():
        ratio = ours["rps"] / bare["rps"] if bare["rps"] else 0.0
        target, sense = TARGETS[name]
        ok = ratio >= target if sense == "min" else ratio <= target
        failed |= not ok or ours["errors"] > 0
        results["rows"][name] = {
            "ours": ours,
            "bare": bare,
            "ratio": ratio,
            "target": target,
            "ok": ok,
        }
        print(
            f"{name:<22}{ours['rps']:>10.1f}{bare['rps']:>10.1f}{ratio:>8.2f}"
            f"{('>=' if sense == 'min' else '<=') + str(target):>9}  {'yes' if ok else 'NO'}"
        )
    results["worker_rss_mb"] = rss
    verdict = "yes" if rss < 150 else "NO"
    print(f"{'web worker RSS (MB)':<22}{rss:>10.1f}{'':>10}{'':>8}{'<150':>9}  {verdict}")
    failed |= rss >= 150
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
