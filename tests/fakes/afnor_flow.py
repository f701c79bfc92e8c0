"""A loopback fake of an accredited platform (PA) serving the AFNOR XP Z12-013 Flow Service API,
the part the ``einvoicing.platforms.AfnorFlowPlatform`` adapter calls:

- ``POST /v1/flows`` (multipart/form-data: ``flowInfo``, JSON with ``trackingId``, ``name``,
  ``flowSyntax``, ``flowProfile``, ``sha256``; ``file``, the PDF): checks the bearer token,
  that ``sha256`` is the file's, and answers 202 with ``flowId``, ``trackingId``,
  ``submittedAt`` and ``acknowledgement.status`` ``Pending``;
- ``GET /v1/flows/{flowId}`` (metadata): the flow's acknowledgement, moving along the timeline
  the test set (``timeline``), one step per consultation; an ``Error`` carries
  ``details[].reasonMessage``.

Faults: ``fail_next(count, status)``, ``stop()`` (connection refused). Kept for the tests:
``flows`` (what was submitted, with the file's bytes).
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

TOKEN = "pa-api-key-loopback"


@dataclass
class Flow:
    flow_id: str
    info: dict[str, Any]
    file: bytes
    timeline: list[tuple[str, str]]  # (status, reason) still to come
    status: str = "Pending"
    reason: str = ""

    def answer(self) -> dict[str, Any]:
        acknowledgement: dict[str, Any] = {"status": self.status}
        if self.reason:
            acknowledgement["details"] = [
                {
                    "level": "Error",
                    "item": "file",
                    "reasonCode": "REJ_SEMAN",
                    "reasonMessage": self.reason,
                }
            ]
        return {
            "flowId": self.flow_id,
            "trackingId": self.info.get("trackingId"),
            "flowSyntax": self.info.get("flowSyntax"),
            "flowDirection": "Out",
            "submittedAt": "2026-12-01T05:00:00Z",
            "acknowledgement": acknowledgement,
        }


@dataclass
class FakeFlowPlatform:
    port: int = 0
    flows: dict[str, Flow] = field(default_factory=dict)
    next_timeline: list[tuple[str, str]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def timeline(self, *steps: str | tuple[str, str]) -> None:
        """The acknowledgement steps of the next submitted flow, one per consultation."""
        self.next_timeline = [s if isinstance(s, tuple) else (s, "") for s in steps]

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        self.failures.extend([status] * count)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def submit(self, content_type: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        parts = {
            part.get_param("name", header="content-disposition"): part
            for part in message.iter_parts()
        }
        if "flowInfo" not in parts or "file" not in parts:
            return 400, {"errorCode": "400", "errorMessage": "flowInfo and file are required"}
        info = json.loads(parts["flowInfo"].get_payload(decode=True))
        content = parts["file"].get_payload(decode=True)
        if info.get("flowSyntax") not in ("CII", "UBL", "Factur-X"):
            return 400, {"message": "unknown flowSyntax"}
        if info.get("sha256") and info["sha256"] != hashlib.sha256(content).hexdigest():
            return 400, {"message": "sha256 does not match the file"}
        flow = Flow(str(uuid.uuid4()), info, content, self.next_timeline)
        self.next_timeline = []
        self.flows[flow.flow_id] = flow
        return 202, flow.answer()

    def read(self, flow_id: str) -> tuple[int, dict[str, Any]]:
        flow = self.flows.get(flow_id)
        if flow is None:
            return 404, {"message": "no such flow"}
        if flow.timeline:
            flow.status, flow.reason = flow.timeline.pop(0)
        return 200, flow.answer()


def _handler_for(fake: FakeFlowPlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _gate(self) -> bool:
            if fake.failures:
                self._answer(fake.failures.pop(0), {"message": "fault injected by the test"})
                return False
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                fake.refused.append(self.path)
                self._answer(401, {"message": "invalid API key"})
                return False
            return True

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with fake.lock:
                if not self._gate():
                    return
                if self.path != "/v1/flows":
                    return self._answer(404, {"message": "not found"})
                return self._answer(*fake.submit(self.headers.get("Content-Type", ""), raw))

        def do_GET(self) -> None:
            with fake.lock:
                if not self._gate():
                    return
                path = self.path.split("?", 1)[0]
                if not path.startswith("/v1/flows/"):
                    return self._answer(404, {"message": "not found"})
                return self._answer(*fake.read(path.removeprefix("/v1/flows/")))

    return Handler


@pytest.fixture
def flow_platform(settings: Any) -> Iterator[FakeFlowPlatform]:
    """The fake platform, running, with the adapter's settings pointing at it. The seller's
    ``PlatformSettings`` still decide whether it is used (the test writes them)."""
    fake = FakeFlowPlatform()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    fake.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PA_FLOW_API_URL = fake.base
    settings.PA_FLOW_API_TOKEN = TOKEN
    settings.PA_FLOW_TIMEOUT_SECONDS = 2.0
    try:
        yield fake
    finally:
        fake.stop()
        thread.join(timeout=5)
