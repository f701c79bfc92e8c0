"""`make bench`: the API's speed as ratios against bare baselines measured in the same run.

Brings up gunicorn with the production settings (PostgreSQL, Redis) on loopback over a bench
data set, drives each endpoint and its baseline with the same load generator (threads with
keep-alive connections), repeats each measure, keeps the median, and writes
bench/results.json and a table. Only loopback is ever contacted.

Documents and feeds (programme PDF, guide feed, invoice issue) are measured as latencies: one
request at a time on a fresh connection (so that either worker may answer), ours and the bare
baseline interleaved request by request, ``BENCH_DOC_REQUESTS`` pairs per repeat; each side's
figure is the median of the repeats' medians, the ratio the median of the pairs' ratios. Their
cached answers are measured in requests per second against the bare JSON view, the two
interleaved repeat by repeat. The peak resident set of the workers (VmHWM) is read after them.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bookings.terms import current_terms

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = os.environ.get("BENCH_DATABASE", "va_bench")
PG = "postgres://postgres@127.0.0.1:5432"
DURATION = float(os.environ.get("BENCH_SECONDS", "4"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
DOC_REQUESTS = int(os.environ.get("BENCH_DOC_REQUESTS", "10"))
WARM_UP = 4
# gunicorn's access log as `make load` reads it: the time spent in the worker, in microseconds.
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"

# name: (target, "min" when higher is better / "max" when lower is better). Ratios are ours over
# bare: requests per second for the "min" rows, milliseconds for the "max" ones.
TARGETS = {
    "catalogue_list": (0.5, "min"),
    "availability_month": (0.3, "min"),
    "booking_hot": (0.5, "min"),
    "booking_spread": (0.6, "min"),
    "programme_pdf": (1.25, "max"),
    "programme_cached": (0.5, "min"),
    "guide_feed": (1.5, "max"),
    "guide_feed_304": (0.5, "min"),
    "invoice_issue": (1.5, "max"),
}
# Measured with wrk (C, a few percent of a core), the API rows must reach higher ratios: the
# Python generator's own CPU on the two shared cores compresses every ratio towards 1 when the
# server is slow and away from it when fast. Without wrk the targets above apply.
WRK_TARGETS = {
    "catalogue_list": (0.7, "min"),
    "availability_month": (0.6, "min"),
    "booking_hot": (0.6, "min"),
    "booking_spread": (0.6, "min"),
}
API_ROWS = ("catalogue_list", "availability_month", "booking_hot", "booking_spread")
WORKER_RSS_MAX_MB = 150
PDF_PEAK_RSS_MAX_MB = 300


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
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
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


def start_server(
    env: dict[str, str],
    port: int,
    *,
    workers: int = 2,
    threads: int = 4,
    log: IO[bytes] | None = None,
    access_log: Path | None = None,
    extra: tuple[str, ...] = (),
    app: str = "backend.wsgi:application",
) -> subprocess.Popen[bytes]:
    """gunicorn (``gthread``) on loopback, once its /healthz answers; stderr to ``log`` if given.

    ``access_log``: a file where gunicorn writes each request as ``method path status
    microseconds`` (the path without its query; tokens travel in headers, never logged).
    """
    logging = (
        ["--access-logfile", str(access_log), "--access-logformat", ACCESS_FORMAT]
        if access_log
        else []
    )
    server = subprocess.Popen(  # noqa: S603
        [
            PYTHON,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--backlog",
            "256",
            "--log-level",
            "warning",
            *logging,
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stderr=log,
    )
    for _ in range(150):
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


def load(
    port: int, make_request: Request, headers: dict[str, str] | None = None
) -> dict[str, float]:
    """CONCURRENCY threads send requests back to back for DURATION seconds (``headers`` on
    every request, besides the JSON content type of a body)."""
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
            sent = {**(headers or {}), **({"Content-Type": "application/json"} if body else {})}
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=sent)
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


# --- The C load generator ------------------------------------------------------------------

WRK = shutil.which(os.environ.get("BENCH_WRK", "wrk"))
WRK_THREADS = 2
# Distinct requests a wrk script cycles through (the booking rows vary departure and group).
WRK_REQUESTS = 200


def _lua(text: str) -> str:
    """A Lua string literal: printable ASCII as is, every other byte as a decimal escape."""
    return (
        '"'
        + "".join(
            chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}" for b in text.encode()
        )
        + '"'
    )


def wrk_script(make_request: Request, headers: dict[str, str] | None = None) -> str:
    """A wrk Lua script that sends ``make_request(0..WRK_REQUESTS-1)`` in turn, per thread."""
    lines = ["local requests = {}", "local n = 0", "init = function(args)"]
    for index in range(WRK_REQUESTS):
        method, path, body = make_request(index)
        sent = {**(headers or {}), **({"Content-Type": "application/json"} if body else {})}
        table = "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in sent.items()) + "}"
        payload = _lua(body.decode()) if body else "nil"
        call = f"wrk.format({_lua(method)}, {_lua(path)}, {table}, {payload})"
        lines.append(f"  requests[{index + 1}] = {call}")
    lines += [
        "end",
        "request = function()",
        "  n = n % #requests + 1",
        "  return requests[n]",
        "end",
    ]
    return "\n".join(lines) + "\n"


def wrk_load(
    port: int, make_request: Request, headers: dict[str, str] | None = None
) -> dict[str, float]:
    """``load`` through wrk: CONCURRENCY keep-alive connections over WRK_THREADS threads for
    DURATION seconds; requests per second, latency percentiles and the non-2xx/3xx count."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(make_request, headers))
    try:
        out = subprocess.run(  # noqa: S603
            [
                str(WRK),
                f"-t{WRK_THREADS}",
                f"-c{CONCURRENCY}",
                f"-d{DURATION:g}s",
                "--latency",
                "--timeout",
                "30s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}/",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    return parse_wrk(out)


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"wrk latency {text!r}")
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def parse_wrk(out: str) -> dict[str, float]:
    """What ``wrk --latency`` printed: requests/sec, p50, p99, and errors (non-2xx/3xx answers,
    socket errors)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    if rps is None or p50 is None or p99 is None:
        raise RuntimeError(f"wrk output not understood:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _wrk_ms(p50.group(1)),
        "p99_ms": _wrk_ms(p99.group(1)),
        "errors": errors,
    }


def api_load(
    port: int, make_request: Request, headers: dict[str, str] | None = None
) -> dict[str, float]:
    """The API rows' generator: wrk when installed, else the Python threads of ``load``."""
    if WRK:
        return wrk_load(port, make_request, headers)
    return load(port, make_request, headers)


def _median_run(runs: list[dict[str, float]]) -> dict[str, Any]:
    best = sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]
    return {**best, "runs_rps": [round(run["rps"], 1) for run in runs]}


def interleaved_rps(
    port: int,
    ours: Request,
    bare: Request,
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ours (with ``headers``) and bare measured in turn, repeat by repeat, so that a machine
    that slows down in the middle slows both; the median run of each, and the ratio as the
    median of the repeats' own ratios (two runs back to back see the same machine)."""
    ours_runs, bare_runs = [], []
    for _ in range(REPEATS):
        bare_runs.append(api_load(port, bare))
        ours_runs.append(api_load(port, ours, headers))
    ratios = [o["rps"] / b["rps"] for o, b in zip(ours_runs, bare_runs, strict=True) if b["rps"]]
    paired = {"paired_ratio": statistics.median(ratios) if ratios else 0.0, "pairs": len(ratios)}
    return {**_median_run(ours_runs), **paired}, _median_run(bare_runs)


# --- Documents and feeds: latencies of one request at a time ---------------------------------


@dataclass(frozen=True)
class Answer:
    """One request's answer and how long it took, connection included (loopback)."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def fetch(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """One request on a fresh connection: either worker may take it, as a client's would."""
    sent = {**(headers or {}), **({"Content-Type": "application/json"} if body else {})}
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    return Answer(
        response.status, {k.lower(): v for k, v in response.getheaders()}, content, seconds
    )


# Each row: what ours measured, what the baseline measured.
Rows = dict[str, tuple[dict[str, Any], dict[str, Any]]]
# A timed job: given an index, the seconds it took and whether it answered as expected.
Timed = Callable[[int], tuple[float, bool]]


def worker_pids(server: subprocess.Popen[bytes]) -> set[int]:
    return {int(path.parent.name) for path, _fields in _worker_status(server)}


def warm_workers(server: subprocess.Popen[bytes], port: int, path: str) -> None:
    """Hit a bare document view until every worker has answered it twice: its input is then
    computed and the library loaded in every process before anything is measured."""
    wanted = worker_pids(server)
    seen: dict[str, int] = {}
    for _ in range(80):
        answer = fetch(port, "GET", path)
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}: {answer.body[:300]!r}")
        pid = answer.headers.get("x-bench-worker", "")
        seen[pid] = seen.get(pid, 0) + 1
        if {str(p) for p in wanted} <= {p for p, n in seen.items() if n >= 2}:
            return
    raise RuntimeError(f"{path}: not every worker answered ({seen})")


def interleaved_latency(ours: Timed, bare: Timed) -> tuple[dict[str, Any], dict[str, Any]]:
    """DOC_REQUESTS pairs per repeat, ours and bare in turn (which goes first alternates)."""
    ours_medians: list[float] = []
    bare_medians: list[float] = []
    ratios: list[float] = []
    errors = 0
    index = 0
    for _ in range(REPEATS):
        ours_times: list[float] = []
        bare_times: list[float] = []
        for pair in range(DOC_REQUESTS):
            order = ((ours, ours_times), (bare, bare_times))
            for job, times in order if pair % 2 else reversed(order):
                seconds, ok = job(index)
                times.append(seconds)
                errors += 0 if ok or job is bare else 1
            ratios.append(ours_times[-1] / bare_times[-1])
            index += 1
        ours_medians.append(1000 * statistics.median(ours_times))
        bare_medians.append(1000 * statistics.median(bare_times))

    def summary(medians: list[float]) -> dict[str, Any]:
        return {"ms": statistics.median(medians), "runs_ms": [round(m, 1) for m in medians]}

    # The ratio is the median of the pairs' ratios: two requests run back to back see the same
    # machine, which the medians of the two sides, taken apart, do not on a busy one.
    paired = {"paired_ratio": statistics.median(ratios), "pairs": len(ratios)}
    return {**summary(ours_medians), **paired, "errors": errors}, summary(bare_medians)


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
            "terms_version": current_terms().version,
        }
    ).encode()


def _worker_status(server: subprocess.Popen[bytes]) -> list[tuple[Path, dict[str, str]]]:
    """/proc/<pid>/status of each gunicorn worker (the children of the arbiter)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(server.pid):
            found.append((status, fields))
    return found


def worker_rss_mb(server: subprocess.Popen[bytes]) -> float:
    sizes = [int(f["VmRSS"].split()[0]) / 1024 for _path, f in _worker_status(server)]
    return max(sizes, default=0.0)


def worker_peak_rss_mb(server: subprocess.Popen[bytes]) -> float:
    """The largest resident set any worker has had since it started (VmHWM)."""
    sizes = [int(f["VmHWM"].split()[0]) / 1024 for _path, f in _worker_status(server)]
    return max(sizes, default=0.0)


def _ok(answer: Answer, status: int) -> bool:
    if answer.status != status:
        print(f"unexpected {answer.status}: {answer.body[:300]!r}", file=sys.stderr)
    return answer.status == status


def timed_get(port: int, path: str) -> Timed:
    """A baseline's timed job: GET ``path``, which must answer 200."""

    def job(index: int) -> tuple[float, bool]:
        answer = fetch(port, "GET", path)
        return answer.seconds, _ok(answer, 200)

    return job


def documents(server: subprocess.Popen[bytes], port: int, data: dict[str, Any]) -> Rows:
    """The programme PDF, the guide feed and the invoice issue, and their cached answers."""
    rows: Rows = {}
    json_get: Request = lambda i: ("GET", "/bench/json", None)  # noqa: E731

    # Programme: every measured request renders (a booking not fetched before: a cache miss);
    # the bare baseline renders the HTML of the first one, computed once per worker.
    programmes = data["programme_bookings"]
    first_reference, first_token = programmes[0]
    bare_programme = f"/bench/programme/{first_reference}.pdf"
    warm_workers(server, port, bare_programme)

    def programme(index: int) -> Answer:
        reference, token = programmes[1 + index]
        path = f"/api/v1/bookings/{reference}/programme.pdf"
        return fetch(port, "GET", path, headers={"X-Booking-Token": token})

    for index in range(WARM_UP):
        programme(index)

    def ours_programme(index: int) -> tuple[float, bool]:
        answer = programme(WARM_UP + index)
        return answer.seconds, _ok(answer, 200)

    rows["programme_pdf"] = interleaved_latency(ours_programme, timed_get(port, bare_programme))
    cached_path = f"/api/v1/bookings/{first_reference}/programme.pdf"
    token_header = {"X-Booking-Token": first_token}
    first = fetch(port, "GET", cached_path, headers=token_header)  # rendered and cached
    if not _ok(first, 200):
        raise RuntimeError("the programme PDF did not render")
    rows["programme_cached"] = interleaved_rps(
        port, lambda i: ("GET", cached_path, None), json_get, token_header
    )

    # Guide feed of 1,000 events: every measured build follows a bump of the feeds' cache
    # namespace (what any write to what a feed shows does), so that it is a build.
    feed_path = f"/calendar/guides/{data['feed_tokens'][0]}.ics"
    bare_feed = f"/bench/feed/{data['feed_guides'][0]}.ics"
    warm_workers(server, port, bare_feed)

    def ours_feed(index: int) -> tuple[float, bool]:
        fetch(port, "POST", "/bench/bump/guide-feeds")
        answer = fetch(port, "GET", feed_path)
        return answer.seconds, _ok(answer, 200)

    for index in range(WARM_UP):
        ours_feed(index)
    rows["guide_feed"] = interleaved_latency(ours_feed, timed_get(port, bare_feed))
    built, bare_built = fetch(port, "GET", feed_path), fetch(port, "GET", bare_feed)
    etag = built.headers["etag"]
    rows["guide_feed"][0]["events"] = built.body.count(b"BEGIN:VEVENT")
    # Fairness: the baseline builds the very same bytes.
    rows["guide_feed"][0]["same_bytes_as_bare"] = built.body == bare_built.body
    rows["guide_feed_304"] = interleaved_rps(
        port, lambda i: ("GET", feed_path, None), json_get, {"If-None-Match": etag}
    )
    not_modified = fetch(port, "GET", feed_path, headers={"If-None-Match": etag})
    if not _ok(not_modified, 304):
        rows["guide_feed_304"][0]["errors"] += 1

    # Invoice issue: the staff API issues the invoice, then its PDF is fetched (rendered on the
    # first fetch: PDF/A-3b, Factur-X XML checked against the XSD, stored). The baseline
    # renders the HTML of an invoice issued beforehand, with its XML, through the two libraries.
    # The office's signed-in session; its POSTs carry the CSRF cookie and header, as a browser's.
    csrf = secrets.token_hex(16)
    staff = {
        "Cookie": f"sessionid={data['staff_session']}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
    }
    bookings = iter(data["invoice_bookings"])
    bare_invoice = f"/bench/invoice/{data['template_invoice']}.pdf"
    warm_workers(server, port, bare_invoice)

    def ours_invoice(index: int) -> tuple[float, bool]:
        body = json.dumps({"booking": next(bookings), "kind": "full"}).encode()
        issued = fetch(port, "POST", "/api/v1/invoices/", body, staff)
        if not _ok(issued, 201):
            return issued.seconds, False
        number = json.loads(issued.body)["number"]
        pdf = fetch(port, "GET", f"/api/v1/invoices/{number}/pdf", headers=staff)
        return issued.seconds + pdf.seconds, _ok(pdf, 200) and pdf.body.startswith(b"%PDF")

    for index in range(WARM_UP):
        ours_invoice(index)
    rows["invoice_issue"] = interleaved_latency(ours_invoice, timed_get(port, bare_invoice))
    return rows


def api_requests(data: dict[str, Any]) -> dict[str, tuple[Request, Request]]:
    """Each API row's request and its baseline's, by row name."""
    slug, hot, spread = data["itinerary"], data["hot_departure"], data["spread_departures"]
    month = f"from={data['month_from']}&to={data['month_to']}"

    def bare_json(i: int) -> tuple[str, str, bytes | None]:
        return ("GET", "/bench/json", None)

    def spread_departure(i: int) -> int:
        return int(spread[i % len(spread)])

    return {
        "catalogue_list": (lambda i: ("GET", "/api/v1/itineraries/", None), bare_json),
        "availability_month": (
            lambda i: ("GET", f"/api/v1/itineraries/{slug}/availability/?{month}", None),
            bare_json,
        ),
        "booking_hot": (
            lambda i: ("POST", "/api/v1/bookings/", booking_body(hot, i)),
            lambda i: ("POST", f"/bench/book/{hot}", b"{}"),
        ),
        "booking_spread": (
            lambda i: ("POST", "/api/v1/bookings/", booking_body(spread_departure(i), i)),
            lambda i: ("POST", f"/bench/book/{spread_departure(i)}", b"{}"),
        ),
    }


def api_rows(port: int, data: dict[str, Any], wanted: set[str]) -> Rows:
    """The catalogue, availability and booking creation rows (load, requests per second), each
    measured in turn with its baseline."""
    measures = api_requests(data)
    return {
        name: interleaved_rps(port, ours, bare)
        for name, (ours, bare) in measures.items()
        if name in wanted
    }


def main() -> int:
    port = free_port()
    env = environment(port)
    if WRK:
        print(f"load generator: {WRK} ({WRK_THREADS} threads, {CONCURRENCY} connections)")
    else:
        print(
            "load generator: wrk is not installed (`apt-get install wrk`), so the Python "
            "threads measure the rows, with the lower targets that generator can show"
        )
    data = prepare(env)
    server = start_server(env, port)
    switches = [name for name in os.environ.get("BENCH_COMPARE", "").split(",") if name]
    if switches:
        from bench.compare import compare_switches

        only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
        try:
            return compare_switches(server, env, port, data, switches, only or set(API_ROWS))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    # BENCH_ONLY=documents skips the API rows; BENCH_ONLY=booking_hot,booking_spread measures
    # those API rows and no document; BENCH_ONLY=scale only the grown data sets (bench/scale.py).
    only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
    api = set(API_ROWS) if not only else only & set(API_ROWS)
    try:
        rows = api_rows(port, data, api)
        rss = worker_rss_mb(server)
        if not only or "documents" in only:
            rows.update(documents(server, port, data))
        peak = worker_peak_rss_mb(server)
        rss_after_documents = worker_rss_mb(server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    results: dict[str, Any] = {
        "generator": f"wrk ({WRK_THREADS} threads)" if WRK else "python threads",
        "duration_s": DURATION,
        "repeats": REPEATS,
        "concurrency": CONCURRENCY,
        "rows": {},
    }
    failed = False
    print(f"{'measure':<22}{'ours':>12}{'bare':>12}{'ratio':>8}{'target':>9}  ok")
    targets = {**TARGETS, **(WRK_TARGETS if WRK else {})}
    for name, (ours, bare) in rows.items():
        target, sense = targets[name]
        unit = "rps" if sense == "min" else "ms"
        ratio = ours[unit] / bare[unit] if bare[unit] else 0.0
        ratio = ours.get("paired_ratio", ratio)
        ok = ratio >= target if sense == "min" else ratio <= target
        failed |= not ok or ours["errors"] > 0
        results["rows"][name] = {
            "unit": unit,
            "ours": ours,
            "bare": bare,
            "ratio": ratio,
            "target": target,
            "sense": sense,
            "ok": ok,
        }
        print(
            f"{name:<22}{ours[unit]:>8.1f}{unit:>4}{bare[unit]:>8.1f}{unit:>4}{ratio:>8.2f}"
            f"{('>=' if sense == 'min' else '<=') + str(target):>9}  {'yes' if ok else 'NO'}"
            + (f" ({ours['errors']} errors)" if ours["errors"] else "")
        )
    results["worker_rss_mb"] = rss
    results["worker_rss_after_documents_mb"] = rss_after_documents
    results["pdf_peak_rss_mb"] = peak
    for label, value, limit in (
        ("web worker RSS (MB)", rss, WORKER_RSS_MAX_MB),
        ("PDF peak RSS (MB)", peak, PDF_PEAK_RSS_MAX_MB),
    ):
        verdict = "yes" if value < limit else "NO"
        print(f"{label:<22}{value:>12.1f}{'':>12}{'':>8}{'<' + str(limit):>9}  {verdict}")
        failed |= value >= limit
    if not only or "scale" in only:
        # The demo season at 1x, 10x and 100x (bench/scale.py), each size on its own server.
        from bench.scale import main_environment, measure, print_table

        results["scale"] = measure(main_environment())
        failed |= not print_table(results["scale"])
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
