"""Delete the Idempotency-Key rows past their expiry (also a Celery task, for the beat)."""

from typing import Any

from django.core.management.base import BaseCommand

from core.idempotency import idempotency_key_purge_expired


class Command(BaseCommand):
    help = "Delete expired idempotency keys and their stored answers."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = idempotency_key_purge_expired()
        self.stdout.write(f"Deleted {deleted} expired idempotency key(s).")
