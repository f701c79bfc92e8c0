"""`BENCH_COMPARE=SETTING,... make bench`: what each speed-up that a setting turns off earns.

The speed-ups that lean on a library's internals (docs/performance.md, "What each speed-up on
library internals earns") each have a setting that turns them off. This starts one more
gunicorn per setting named, with that setting off, beside the server of ``bench.run``, and
measures the API rows (``BENCH_ONLY``) on every server in turn.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
from typing import Any

from bench.run import (
    API_ROWS,
    DURATION,
    REPEATS,
    ROOT,
    Request,
    _median_run,
    _worker_status,
    api_requests,
    free_port,
    load,
    start_server,
)


def workers_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """User and system CPU time of the gunicorn workers so far, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for status, _fields in _worker_status(server):
        try:
            stat = (status.parent / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def load_with_cpu(server: subprocess.Popen[bytes], port: int, make: Request) -> dict[str, float]:
    """``load``, with the workers' CPU milliseconds per request (``cpu_ms``): on a shared
    machine the CPU a request costs moves much less than the requests per second."""
    before = workers_cpu_seconds(server)
    run = load(port, make)
    requests = run["rps"] * DURATION
    run["cpu_ms"] = 1000 * (workers_cpu_seconds(server) - before) / requests if requests else 0.0
    return run


def compare_switches(
    server: subprocess.Popen[bytes],
    env: dict[str, str],
    port: int,
    data: dict[str, Any],
    switches: list[str],
    wanted: set[str],
) -> int:
    """``BENCH_COMPARE=SETTING,...``: what each speed-up earns. One more gunicorn per setting,
    started with that setting off (``SETTING=0``); each API row is measured on every server in
    turn, repeat by repeat, and each setting's gain is the median of the repeats' own ratios of
    the server with everything on over the server with that setting off, in requests per second
    and in the workers' CPU time per request (off over on). Written to
    bench/compare-results.json."""
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        for switch in switches:
            other = free_port()
            servers[switch] = (start_server({**env, switch: "0"}, other), other)
        results: dict[str, Any] = {"duration_s": DURATION, "repeats": REPEATS, "rows": {}}
        print(
            f"{'measure':<18}{'setting off':<30}{'on rps':>9}{'off rps':>9}{'on/off':>8}"
            f"{'cpu off/on':>12}"
        )
        for name in [row for row in API_ROWS if row in wanted]:
            make = api_requests(data)[name][0]
            on_runs: list[dict[str, float]] = []
            off_runs: dict[str, list[dict[str, float]]] = {switch: [] for switch in switches}
            for _ in range(REPEATS):
                on_runs.append(load_with_cpu(server, port, make))
                for switch, (other_server, other) in servers.items():
                    off_runs[switch].append(load_with_cpu(other_server, other, make))
            row: dict[str, Any] = {"on": _median_run(on_runs), "off": {}}
            for switch, runs in off_runs.items():
                ratios = [
                    on["rps"] / off["rps"]
                    for on, off in zip(on_runs, runs, strict=True)
                    if off["rps"]
                ]
                ratio = statistics.median(ratios) if ratios else 0.0
                cpu = [
                    off["cpu_ms"] / on["cpu_ms"]
                    for on, off in zip(on_runs, runs, strict=True)
                    if on["cpu_ms"]
                ]
                cpu_ratio = statistics.median(cpu) if cpu else 0.0
                row["off"][switch] = {
                    **_median_run(runs),
                    "on_over_off": ratio,
                    "ratios": ratios,
                    "cpu_ms_runs": [round(run["cpu_ms"], 2) for run in runs],
                    "cpu_off_over_on": cpu_ratio,
                    "cpu_ratios": cpu,
                }
                print(
                    f"{name:<18}{switch:<30}{row['on']['rps']:>9.1f}"
                    f"{row['off'][switch]['rps']:>9.1f}{ratio:>8.3f}{cpu_ratio:>12.3f}"
                )
            row["on"]["cpu_ms_runs"] = [round(run["cpu_ms"], 2) for run in on_runs]
            results["rows"][name] = row
        (ROOT / "bench" / "compare-results.json").write_text(json.dumps(results, indent=2))
    finally:
        for server, _other in servers.values():
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    return 0
