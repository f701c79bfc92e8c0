"""Signals the bookings app sends, for the higher apps (payments, invoicing, guides).

Sent after commit (``transaction.on_commit``), for what may be done late or not at all (a feed
refresh): ``booking_confirmed``, ``booking_cancelled`` (with ``refund_percent``,
``refund_cents`` and ``by_staff``), ``booking_changed`` and ``booking_expired``, each with
``booking``; ``accessibility_warning_raised`` with ``booking`` and ``event_id`` (the
``accessibility_warning`` audit event: a write of the participant list raised the number of
people needing step-free access on an itinerary with a site lacking it).

Sent inside the change's transaction, with the departure and booking rows locked, for the
consequences that must not be lost (refunds, credit notes): receivers record them as outbox
rows (``core.outbox.consequence_record``), which commit with the change or not at all. A
receiver must not raise for a consequence it cannot record: that would undo the change.

- ``booking_cancelled_in_transaction``: ``booking``, ``refund_percent``, ``refund_cents``.
- ``booking_changed_in_transaction``: ``booking``, ``event`` (the ``changed`` audit event, whose
  id tells one change from the next); sent when the head count changed.
"""

from django.dispatch import Signal

booking_confirmed = Signal()
booking_cancelled = Signal()
booking_changed = Signal()
booking_expired = Signal()
accessibility_warning_raised = Signal()

booking_cancelled_in_transaction = Signal()
booking_changed_in_transaction = Signal()
