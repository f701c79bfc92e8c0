"""The quote's token never reaches the logs: in the query string or in its header."""

from __future__ import annotations

from core.gunicorn_logging import SECRET_ENVIRON, SECRET_HEADERS
from core.logging import redact

TOKEN = "qVx3-secret-quote-token-0123456789abcdefghijkl"


def test_the_quote_token_is_redacted_from_log_lines() -> None:
    for line in [
        f"GET /api/v1/quotes/D2026-000001/quote.pdf?token={TOKEN} 200",
        f"headers: {{'X-Quote-Token': '{TOKEN}'}}",
        f"x-quote-token={TOKEN}",
    ]:
        assert TOKEN not in redact(line), line


def test_gunicorn_never_logs_the_quote_token_header() -> None:
    assert "x-quote-token" in SECRET_HEADERS
    assert "http_x_quote_token" in SECRET_ENVIRON
