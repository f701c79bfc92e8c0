"""A loopback fake of an accredited platform (PA) serving the AFNOR XP Z12-013 Flow Service API,
the part the ``einvoicing.platforms.AfnorFlowPlatform`` adapter calls:

- ``POST /v1/flows`` (multipart/form-data: ``flowInfo``, JSON with ``trackingId``, ``name``,
  ``flowSyntax``, ``flowProfile``, ``sha256``; ``file``, the PDF): checks the bearer token,
  that ``sha256`` is the file's, and answers 202 with ``flowId``, ``trackingId``,
  ``submittedAt`` and ``acknowledgement.status`` ``Pending``;
- ``GET /v1/flows/{flowId}`` (metadata): the flow's acknowledgement, moving along the timeline
  the test set (``timeline``), one step per consultation; an ``Error`` carries
  ``details[].reasonMessage``;
- ``GET /v1/flows/{flowId}?docType=Original``: the file itself (a lifecycle flow's CDAR XML);
- ``POST /v1/flows/search`` (JSON ``{"limit", "where": {"trackingId", "flowType",
  "updatedAfter"...}}``): the flows matching every criterion given, oldest update first, as
  ``{"limit", "filters", "results": [flow...]}`` (the standard's ``SearchFlowParams`` and
  ``SearchFlowContent``). ``search_enabled = False`` answers 404, as a platform without it.

Lifecycle: ``lifecycle(invoice_number, *steps)`` sets the statuses the buyer's side will give
that invoice (XP Z12-012 codes such as ``"205"``, or ``("210", reason)``); each search for
lifecycle flows (``flowType`` ``CustomerInvoiceLC``) first publishes the next step of every such
timeline as a new CDAR flow (``flowSyntax`` ``CDAR``), as the buyer's platform would over time.

Faults: ``fail_next(count, status)``, ``stop()`` (connection refused), ``lose_next_answer(
seconds)`` (the next submission is accepted and recorded, but its answer comes only after
``seconds``: the client's timeout loses it). Kept for the tests: ``flows`` (what was submitted,
with the file's bytes) and ``submissions`` (how many submissions it accepted).
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

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
            "flowType": self.info.get("flowType", "CustomerInvoice"),
            "flowDirection": "Out",
            "submittedAt": "2026-12-01T05:00:00Z",
            "updatedAt": self.updated_at.isoformat().replace("+00:00", "Z"),
            "acknowledgement": acknowledgement,
        }


CDAR_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossDomainAcknowledgementAndResponse
  xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
  <rsm:ExchangedDocument><ram:ID>{message_id}</ram:ID></rsm:ExchangedDocument>
  <rsm:AcknowledgementDocument>
    <ram:ReferenceReferencedDocument>
      <ram:IssuerAssignedID>{number}</ram:IssuerAssignedID>
      <ram:ProcessConditionCode>{code}</ram:ProcessConditionCode>{status}
    </ram:ReferenceReferencedDocument>
  </rsm:AcknowledgementDocument>
</rsm:CrossDomainAcknowledgementAndResponse>
"""


def cdar(number: str, code: str, reason: str = "") -> bytes:
    """A lifecycle message (CDAR, UN/CEFACT D22B) for invoice ``number``, status ``code``."""
    from xml.sax.saxutils import escape

    status = (
        "\n      <ram:SpecifiedDocumentStatus><ram:ReasonCode>AUTRE</ram:ReasonCode>"
        f"<ram:Reason>{escape(reason)}</ram:Reason></ram:SpecifiedDocumentStatus>"
        if reason
        else ""
    )
    return CDAR_TEMPLATE.format(
        message_id=uuid.uuid4(), number=escape(number), code=code, status=status
    ).encode()


@dataclass
class FakeFlowPlatform:
    port: int = 0
    flows: dict[str, Flow] = field(default_factory=dict)
    next_timeline: list[tuple[str, str]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    submissions: int = 0
    search_enabled: bool = True
    searches: list[dict[str, Any]] = field(default_factory=list)
    lifecycles: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    answer_delay: float = 0.0
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

    def lose_next_answer(self, seconds: float) -> None:
        """Accept and record the next submission, but answer only after ``seconds``."""
        self.answer_delay = seconds

    def lifecycle(self, invoice_number: str, *steps: str | tuple[str, str]) -> None:
        """The lifecycle statuses the buyer's side gives ``invoice_number``, one per search."""
        self.lifecycles[invoice_number] = [s if isinstance(s, tuple) else (s, "") for s in steps]

    def _publish_lifecycle_steps(self) -> None:
        for number, steps in self.lifecycles.items():
            if not steps:
                continue
            code, reason = steps.pop(0)
            flow = Flow(
                str(uuid.uuid4()),
                {
                    "trackingId": f"CDV-{uuid.uuid4()}",
                    "flowSyntax": "CDAR",
                    "flowType": "CustomerInvoiceLC",
                },
                cdar(number, code, reason),
                [],
                status="Ok",
            )
            self.flows[flow.flow_id] = flow

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
        self.submissions += 1
        return 202, flow.answer()

    def search(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        if not self.search_enabled:
            return 404, {"message": "not found"}
        try:
            params = json.loads(raw or b"{}")
            where = params["where"]
            limit = int(params.get("limit", 25))
        except (ValueError, KeyError, TypeError):
            return 400, {"errorCode": "400", "errorMessage": "where is required"}
        self.searches.append(params)
        if "CustomerInvoiceLC" in (where.get("flowType") or []):
            self._publish_lifecycle_steps()
        after = where.get("updatedAfter")
        since = datetime.fromisoformat(after.replace("Z", "+00:00")) if after else None
        found = [
            flow
            for flow in sorted(self.flows.values(), key=lambda f: f.updated_at)
            if (not where.get("trackingId") or flow.info.get("trackingId") == where["trackingId"])
            and (
                not where.get("flowType")
                or flow.info.get("flowType", "CustomerInvoice") in where["flowType"]
            )
            and (since is None or flow.updated_at > since)
        ]
        return 200, {
            "limit": limit,
            "filters": where,
            "results": [flow.answer() for flow in found[:limit]],
        }

    def read(self, flow_id: str) -> tuple[int, dict[str, Any]]:
        flow = self.flows.get(flow_id)
        if flow is None:
            return 404, {"message": "no such flow"}
        if flow.timeline:
            flow.status, flow.reason = flow.timeline.pop(0)
            flow.updated_at = datetime.now(UTC)
        return 200, flow.answer()


def _handler_for(fake: FakeFlowPlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(
            self, status: int, body: dict[str, Any] | bytes, content_type: str = "application/json"
        ) -> None:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
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
                if self.path == "/v1/flows/search":
                    return self._answer(*fake.search(raw))
                if self.path != "/v1/flows":
                    return self._answer(404, {"message": "not found"})
                answer = fake.submit(self.headers.get("Content-Type", ""), raw)
                delay, fake.answer_delay = fake.answer_delay, 0.0
            if delay:  # recorded already: the answer is what gets lost
                time.sleep(delay)
                self.close_connection = True
                return  # the client gave up long ago: nobody reads an answer
            return self._answer(*answer)

        def do_GET(self) -> None:
            with fake.lock:
                if not self._gate():
                    return
                path, _, query = self.path.partition("?")
                if not path.startswith("/v1/flows/"):
                    return self._answer(404, {"message": "not found"})
                flow_id = path.removeprefix("/v1/flows/")
                if "docType=Original" in query:
                    flow = fake.flows.get(flow_id)
                    if flow is None:
                        return self._answer(404, {"message": "no such flow"})
                    kind = (
                        "application/xml"
                        if flow.info.get("flowSyntax") == "CDAR"
                        else ("application/pdf")
                    )
                    return self._answer(200, flow.file, kind)
                return self._answer(*fake.read(flow_id))

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
