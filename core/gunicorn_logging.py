"""gunicorn's access and error logs, without the secrets that travel in URLs and headers.

gunicorn writes its own loggers (``gunicorn.access``, ``gunicorn.error``), which do not propagate
to Django's handlers, so ``core.logging.RequestContextFilter`` never sees them. This logger class
(``logger_class`` in ``backend/gunicorn_conf.py``) builds the access log's atoms without any
query string (``?token=`` links), with the guide feed's token segment masked, and with the
credential headers blanked, whatever ``access_log_format`` an operator picks; and it runs every
record of both loggers through ``core.logging.redact`` as a second net.

The request line is rebuilt from ``PATH_INFO`` (already percent-decoded), not from the raw
request line: an encoded path (``/calendar%2Fguides/...``) or parameter name (``?%74oken=``)
would slip past a pattern applied to the raw bytes.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

from core.logging import redact

# Request and response headers that carry a credential: never logged, whatever the format.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-booking-token",
        "x-quote-token",
        "x-csrftoken",
        "idempotency-key",
    }
)
# WSGI environ entries that hold the query string or a credential header.
SECRET_ENVIRON = frozenset(
    {"raw_uri", "query_string", "request_uri"}
    | {f"http_{name.replace('-', '_')}" for name in SECRET_HEADERS}
)
MASK = "[redacted]"


def masked_path(path: str) -> str:
    """The path with its token segment masked; the query is never part of it."""
    return redact(path.split("?", 1)[0])


def masked_referer(referer: str) -> str:
    if not referer or referer == "-":
        return "-"
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}{masked_path(parts.path)}" if parts.netloc else "-"


class RedactFilter(logging.Filter):
    """Redacts the final message of every record (the net behind the atoms)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        return True


class RedactingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactFilter) for f in log.filters):
                log.addFilter(RedactFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        path = masked_path(str(environ.get("PATH_INFO") or ""))
        method = environ.get("REQUEST_METHOD", "-")
        atoms["r"] = f"{method} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        atoms["U"] = path
        atoms["q"] = "-"
        atoms["f"] = masked_referer(str(environ.get("HTTP_REFERER") or "-"))
        for name in list(atoms):
            if not (name.startswith("{") and name[-2:] in ("}i", "}o", "}e")):
                continue
            inner, kind = name[1:-2], name[-1]
            secret = inner in (SECRET_ENVIRON if kind == "e" else SECRET_HEADERS)
            if secret:
                atoms[name] = MASK
            elif inner in ("path_info", "script_name"):
                atoms[name] = masked_path(str(atoms[name]))
            elif inner in ("referer", "http_referer"):
                atoms[name] = masked_referer(str(atoms[name]))
            elif isinstance(atoms[name], str):
                atoms[name] = redact(atoms[name])
        return atoms
