"""Structured logs: one JSON object per line, with the request id, and secrets redacted.

Capability tokens travel in URLs (``?token=`` on booking links, the guide's feed path) and in the
``X-Booking-Token`` header; they must never reach a log file. The redaction runs on the final
message of every record, whatever logger produced it (Django's request log, gunicorn, ours).
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

REDACTIONS = [
    (re.compile(r"(?i)([?&](?:token|key|secret|password)=)[^&\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(/calendar/guides/)[^/\s\"'?]+"), r"\1[redacted]"),
    (
        re.compile(r"(?i)(x-(?:booking|quote)-token['\"]?\s*[:=]\s*['\"]?)[^\s,'\"}]+"),
        r"\1[redacted]",
    ),
    (re.compile(r"\b(sk|rk|whsec)_(test|live)?_?[A-Za-z0-9]{8,}"), "[redacted-key]"),
    # OAuth2 (Chorus Pro through PISTE): bearer tokens, the client secret in a token request,
    # the technical account's base64 login:password header.
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (
        re.compile(r"(?i)((?:client_secret|access_token)['\"]?\s*[:=]\s*['\"]?)[^&\s,'\"}]+"),
        r"\1[redacted]",
    ),
    (re.compile(r"(?i)(cpro-account['\"]?\s*[:=]\s*['\"]?)[^\s,'\"}]+"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RequestContextFilter(logging.Filter):
    """Adds the current request id to every record, and redacts secrets from its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        return True


class ClientErrorFilter(logging.Filter):
    """Logs a client's mistake (a forged Host header) as one WARNING line without traceback.

    Django reports ``DisallowedHost`` at ERROR with the exception attached, so that a scanner
    would fill the logs with tracebacks and page whoever watches for errors. The record is kept
    (a burst still says something), only lowered. Attach to the logger, not to a handler, so
    that every handler sees the lowered record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = (
                logging.WARNING,
                logging.getLevelName(logging.WARNING),
            )
        record.exc_info, record.exc_text = None, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
