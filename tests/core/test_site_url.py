"""The site URL that every link, feed, e-mail and QR code is built on follows the served port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _site_url(**env: str) -> str:
    """SITE_URL as a fresh process reads it from this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SITE_URL)",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "backend.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8080"}, "http://127.0.0.1:8080"),
        (
            {"PORT": "8080", "SITE_URL": "https://visites.example.org/"},
            "https://visites.example.org",
        ),
    ],
)
def test_site_url_follows_the_port_unless_set(env: dict[str, str], expected: str) -> None:
    assert _site_url(**env) == expected


def test_make_passes_its_port_to_the_commands_it_runs() -> None:
    # `make run PORT=8080` sets a make variable; the settings read the environment, so the
    # Makefile must export it to the commands it runs (here a recipe added for the test).
    env = {k: v for k, v in os.environ.items() if k != "PORT"}
    show_port = ["make", "--no-print-directory", "--eval", "show-port: ; @echo $$PORT"]
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [*show_port, "show-port", "PORT=8080"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "8080"
