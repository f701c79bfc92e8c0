"""Signals the bookings app sends after commit, for the higher apps (payments, invoicing, guides).

Each is sent with ``booking`` and, for cancellations, ``refund_percent`` and ``by_staff``.
"""

from django.dispatch import Signal

booking_confirmed = Signal()
booking_cancelled = Signal()
booking_changed = Signal()
booking_expired = Signal()
