"""Several web nodes, as production runs them when one machine is not enough (issue 20).

Two web nodes run as separate gunicorn processes, with separate memory, behind nginx (Debian's
package) on loopback; two Celery workers consume the one Redis; PostgreSQL is reached through
PgBouncer in transaction mode (``DATABASE_BEHIND_TRANSACTION_POOLER``); uploaded files go to an
S3-compatible object store (moto's server mode). Nothing is shared but what production shares:
the database, Redis and the object store. The tests show that what one node does is seen at once
by the other: no oversold seat in a race split across nodes, seats left, an ``Idempotency-Key``
replayed on the other node, a rotated calendar-feed token dead on both, a file written by one node
read by the other.
"""

from __future__ import annotations

import email
import email.policy
import os
import secrets
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.bookings.helpers import booking_body
from tests.ops.cluster import Cluster, running_cluster, which
from tests.procurement.helpers import quote_body

# A group booked 40 days ago on a visit 29 days ahead: its 30-day message is due now.
DUE_MESSAGE = """
from datetime import timedelta
from django.utils import timezone
from bookings.inputs import BookingRequest
from bookings.models import Booking
from bookings.services import booking_create
from itineraries.models import Departure
from tests.bookings.helpers import booking_body
from visits.emails import scheduled_message
from visits.messages import due_messages
from visits.models import MessageRule
body = booking_body(Departure.objects.get(pk={departure}), participants=12)
body["contact"]["email"] = "{email}"
booking, _token = booking_create(request=BookingRequest.from_data(body))
Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=40))
(due,) = [d for d in due_messages() if d.booking_id == booking.pk]
print(booking.pk, scheduled_message(booking, MessageRule.objects.get(pk=due.rule_id)).subject)
"""

SEND_TWICE = """
from visits.tasks import send_scheduled_messages
send_scheduled_messages.delay()
send_scheduled_messages.delay()
"""

SENT = """
from visits.models import SentMessage
print(list(SentMessage.objects.filter(booking_id={booking_id}).values_list("status", flat=True)))
"""

ROTATE = """
from guides.models import Guide
from guides.services import feed_token_rotate
print(feed_token_rotate(guide=Guide.objects.get(pk={guide_id})))
"""


@pytest.fixture(autouse=True, scope="module")
def _postgresql_and_servers() -> None:
    """As tests/concurrency: skip on SQLite, fail when REQUIRE_CONCURRENCY_TESTS is set; the
    servers must be installed (.ci/run installs Debian's nginx-light and pgbouncer)."""
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_CONCURRENCY_TESTS"):
            pytest.fail("REQUIRE_CONCURRENCY_TESTS is set but the database is not PostgreSQL")
        pytest.skip("the several-nodes test needs PostgreSQL; set DATABASE_URL to run it")
    missing = [name for name in ("nginx", "pgbouncer") if not which(name)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: apt-get install nginx-light pgbouncer")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with running_cluster() as running:
        yield running


def _body(departure_id: int, participants: int) -> dict[str, Any]:
    body = booking_body(participants=participants)
    body["departure"] = departure_id
    return body


def _seats_left(cluster: Cluster, port: int, departure_id: int) -> int:
    answer = cluster.request(port, "GET", f"/api/v1/departures/{departure_id}/")
    assert answer.status == 200, answer.body
    return int(answer.json()["seats_left"])


def test_both_nodes_serve_behind_the_proxy(cluster: Cluster) -> None:
    for port in (*cluster.nodes, cluster.front):
        answer = cluster.request(port, "GET", "/healthz")
        assert answer.status == 200, answer.body
        assert answer.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_a_race_for_the_last_seats_split_across_nodes_oversells_nothing(cluster: Cluster) -> None:
    departure = cluster.departures[0]
    # 30 seats; twelve groups of five at once, half on each node: six can be seated, no more.
    ports = [cluster.nodes[i % 2] for i in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(
                lambda port: cluster.request(
                    port, "POST", "/api/v1/bookings/", _body(departure, 5)
                ),
                ports,
            )
        )
    statuses = sorted(answer.status for answer in answers)
    assert statuses.count(201) == 6, [(a.status, a.body[:200]) for a in answers]
    assert statuses.count(409) == 6, statuses
    for answer in answers:
        if answer.status == 409:
            assert answer.headers["content-type"].startswith("application/problem+json")
    for port in (*cluster.nodes, cluster.front):
        assert _seats_left(cluster, port, departure) == 0


def test_a_booking_on_one_node_changes_seats_left_on_the_other_at_once(cluster: Cluster) -> None:
    departure = cluster.departures[1]
    first, second = cluster.nodes
    before = _seats_left(cluster, second, departure)
    _seats_left(cluster, second, departure)  # cached on the second node's side now
    made = cluster.request(first, "POST", "/api/v1/bookings/", _body(departure, 4))
    assert made.status == 201, made.body
    assert _seats_left(cluster, second, departure) == before - 4
    assert _seats_left(cluster, cluster.front, departure) == before - 4


def test_an_idempotency_key_replayed_on_the_other_node_returns_the_same_booking(
    cluster: Cluster,
) -> None:
    departure = cluster.departures[1]
    first, second = cluster.nodes
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = _body(departure, 3)
    before = _seats_left(cluster, first, departure)
    made = cluster.request(first, "POST", "/api/v1/bookings/", body, key)
    assert made.status == 201, made.body
    replayed = cluster.request(second, "POST", "/api/v1/bookings/", body, key)
    assert replayed.status == 201, replayed.body
    assert replayed.json()["reference"] == made.json()["reference"]
    assert _seats_left(cluster, second, departure) == before - 3  # booked once


def test_a_rotated_feed_token_is_dead_on_both_nodes(cluster: Cluster) -> None:
    old = cluster.feed_token
    for port in cluster.nodes:  # both nodes have the feed (and Redis has it cached)
        assert cluster.request(port, "GET", f"/calendar/guides/{old}.ics").status == 200
    new = cluster.shell(ROTATE.format(guide_id=cluster.guide_id))
    for port in cluster.nodes:
        assert cluster.request(port, "GET", f"/calendar/guides/{old}.ics").status == 404
        assert cluster.request(port, "GET", f"/calendar/guides/{new}.ics").status == 200
    cluster.feed_token = new


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(head.encode() + value.encode() + b"\r\n")
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_a_file_written_by_one_node_is_read_by_the_other(cluster: Cluster) -> None:
    """The signed quote goes to the object store through the first node; the second reads it
    back (and checks its hash) from there, as it has no disk in common with the first."""
    first, second = cluster.nodes
    body = quote_body(None)
    body["departure"] = cluster.quote_departure
    quote = cluster.request(first, "POST", "/api/v1/quotes/", body)
    assert quote.status == 201, quote.body
    number, token = quote.json()["number"], quote.json()["token"]
    signed = b"%PDF-1.4\n% signed on node one\n%%EOF\n"
    payload, content_type = _multipart(
        {"name": "Claire Martin", "role": "Principale", "statement": "true"},
        {"document": ("devis-signe.pdf", signed)},
    )
    accepted = cluster.request(
        first,
        "POST",
        f"/api/v1/quotes/{number}/accept/",
        payload,
        {"Content-Type": content_type, "X-Quote-Token": token},
    )
    assert accepted.status == 200, accepted.body
    (document,) = accepted.json()["documents"]
    url = f"/api/v1/quotes/{number}/documents/{document['sha256']}.pdf"
    read = cluster.request(second, "GET", url, headers={"X-Quote-Token": token})
    assert read.status == 200, read.body
    assert read.body == signed
    # Nothing went to a node's disk: the media directory of the embedded default is unused.
    assert not Path(cluster.env["MEDIA_ROOT"]).exists()


def _mails_with_subject(folder: Path, subject: str) -> int:
    """How many e-mails Django's file backend wrote with this subject (all files, all nodes)."""
    count = 0
    for path in folder.glob("*.log") if folder.exists() else []:
        for raw in path.read_bytes().split(b"-" * 79):
            if raw.strip():
                message = email.message_from_bytes(raw.strip(), policy=email.policy.default)
                count += str(message.get("Subject", "")).strip() == subject
    return count


def test_a_scheduled_message_goes_out_once_with_two_workers(cluster: Cluster) -> None:
    """The beat's task queued twice at once, one for each worker: one e-mail, one record."""
    address = f"messages-{secrets.token_hex(4)}@example.org"
    booking_id, subject = cluster.shell(
        DUE_MESSAGE.replace("{email}", address).replace(
            "{departure}", str(cluster.messages_departure)
        )
    ).split(" ", 1)
    cluster.shell(SEND_TWICE)
    mail = Path(cluster.env["EMAIL_URL"].removeprefix("filemail:///"))
    for _ in range(300):
        if _mails_with_subject(mail, subject) and "'sent'" in cluster.shell(
            SENT.format(booking_id=booking_id)
        ):
            break
        time.sleep(0.5)
    time.sleep(3)  # the second worker's run has had time to send a second one, if it could
    run = mail.parent
    seen = {
        "mail files": sorted(p.name for p in mail.glob("*")) if mail.exists() else None,
        "records": cluster.shell(SENT.format(booking_id=booking_id)),
        "workers": [(run / f"worker{i}.log").read_text(errors="replace")[-1500:] for i in (1, 2)],
    }
    assert _mails_with_subject(mail, subject) == 1, seen
    assert cluster.shell(SENT.format(booking_id=booking_id)) == "['sent']", seen
