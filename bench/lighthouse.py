"""``make lighthouse``: what a teacher on a phone waits for, scored by Lighthouse.

Starts gunicorn with the production settings (``DEBUG=0``, static files collected and served by
whitenoise, hashed names) on a temporary SQLite database holding the demo data, books a group
through the public API to get a booking page with its token link, then runs Lighthouse's mobile
preset (simulated throttling: slow 4G, 4x CPU slowdown) in Debian's Chromium over the home page,
an itinerary, the booking form and the group's booking page (``bench/lighthouse.mjs``). Writes
``var/lighthouse/scores.json``, ``var/lighthouse/scores.md`` and Lighthouse's own report
(``flow.html``), and exits non-zero when a target is missed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from bench.run import PYTHON, ROOT, free_port, start_server

OUT = ROOT / "var" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
# Category scores are 0..1 in Lighthouse's JSON; the table shows them out of 100.
TARGETS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 0.95}
LCP_MAX_MS = 1500


def environment(port: int, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        # DEBUG=0 wants a shared cache (core.E003); a Redis database of its own, flushed first.
        "REDIS_URL": os.environ.get("LIGHTHOUSE_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "SITE_URL": f"http://127.0.0.1:{port}",
        # No tile server from here (nothing leaves loopback): the map page shows the project's
        # own drawing of the basin, as it does when tiles cannot load.
        "MAP_TILE_URL": "",
    }


def prepare(env: dict[str, str]) -> None:
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    for command in (
        ["migrate", "-v0"],
        ["load_demo"],
        ["load_guides_demo"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )


def _json(base: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (loopback, our own server)
        base + path,
        data=data,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def book_a_group(base: str) -> tuple[str, str]:
    """A booking made through the public API on the first departure with seats: its itinerary's
    slug and the booking page's path with its token link."""
    departures = _json(base, "/api/v1/departures/")
    rows = departures["results"] if isinstance(departures, dict) else departures
    departure = next(d for d in rows if d.get("seats_left", 0) >= 10)
    # The terms' version the form sends, read where the page reads it: the shell's meta tag.
    with urllib.request.urlopen(base + "/", timeout=30) as response:  # noqa: S310
        shell = response.read().decode()
    terms = re.search(r'name="va-terms" content="([^"]+)"', shell)
    assert terms is not None, "the shell names no terms version"
    created = _json(
        base,
        "/api/v1/bookings/",
        {
            "departure": departure["id"],
            "participants": 10,
            "language": "fr",
            "organisation": {"name": "Collège Anatole France", "type": "public_body"},
            "contact": {"name": "Claire Martin", "email": "claire@example.org"},
            "billing": {"address": "1 rue de l'École", "postal_code": "62750", "city": "Loos"},
            "payment_method": "invoice",
            "terms_version": terms.group(1),
        },
    )
    return departure["itinerary"], f"/bookings/{created['reference']}?token={created['token']}"


def table(report: dict[str, Any]) -> str:
    lines = [
        f"Lighthouse {report['lighthouse']}, mobile preset (simulated throttling), "
        f"Chromium `{report['chromium']}`.",
        "",
        "| page | mode | performance | accessibility | best practices | LCP |",
        "|---|---|---|---|---|---|",
    ]
    for step in report["steps"]:
        scores = step["scores"]

        def cell(category: str, scores: dict[str, Any] = scores) -> str:
            value = scores.get(category)
            return "n/a" if value is None else str(round(value * 100))

        lcp = "n/a" if step["lcp_ms"] is None else f"{step['lcp_ms'] / 1000:.2f} s"
        lines.append(
            f"| {step['name']} | {step['mode']} | {cell('performance')} | "
            f"{cell('accessibility')} | {cell('best-practices')} | {lcp} |"
        )
    return "\n".join(lines) + "\n"


def misses(report: dict[str, Any]) -> list[str]:
    missed = []
    for step in report["steps"]:
        for category, target in TARGETS.items():
            value = step["scores"].get(category)
            if value is not None and value < target:
                missed.append(f"{step['name']}: {category} {round(value * 100)} < {target * 100:g}")
        if step["lcp_ms"] is not None and step["lcp_ms"] >= LCP_MAX_MS:
            missed.append(f"{step['name']}: LCP {step['lcp_ms']} ms >= {LCP_MAX_MS} ms")
    return missed


def main() -> int:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "lighthouse").exists():
        print("make lighthouse: node and `npm ci` (lighthouse in node_modules) are needed")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        workdir = Path(tmp)
        env = environment(port, workdir)
        prepare(env)
        server = start_server(env, port, workers=2, threads=4)
        try:
            slug, booking_path = book_a_group(base)
            subprocess.run(  # noqa: S603
                [node, str(ROOT / "bench" / "lighthouse.mjs"), base, slug, str(OUT)],
                cwd=ROOT,
                env={**os.environ, "CHROME_PATH": CHROME, "BOOKING_PATH": booking_path},
                check=True,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    # The booking page's token is a secret: the written report names the page, not its link.
    text = re.sub(r"token=[-_A-Za-z0-9]+", "token=…", (OUT / "steps.json").read_text())
    report = json.loads(text)
    for step in report["steps"]:
        if step["mode"] == "snapshot":
            # A snapshot measures no loading: its "performance" has no timing audit in it.
            step["scores"].pop("performance", None)
    version = subprocess.run(  # noqa: S603
        [CHROME, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    report["chromium"] = version
    (OUT / "steps.json").unlink()
    (OUT / "scores.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = table(report)
    (OUT / "scores.md").write_text(markdown)
    print(markdown)
    for step in report["steps"]:
        for audit in step["failing"]:
            print(f"  {step['name']}: {audit['id']} ({audit['score']}) {audit['value']}")
    missed = misses(report)
    for line in missed:
        print(f"MISSED {line}")
    print(f"Reports in {OUT} (flow.html is Lighthouse's own)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
