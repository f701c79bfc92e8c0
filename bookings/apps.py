from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Réservations"

    def ready(self) -> None:
        from bookings import receivers  # noqa: F401  (connects the signal receivers)
