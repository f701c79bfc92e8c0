from typing import Any

from django.core.management.base import BaseCommand

from bookings.services import bookings_expire_holds


class Command(BaseCommand):
    help = "Mark bookings whose hold ran out as expired and tell the groups."

    def handle(self, *args: Any, **options: Any) -> None:
        count = bookings_expire_holds()
        self.stdout.write(f"{count} booking(s) expired.")
