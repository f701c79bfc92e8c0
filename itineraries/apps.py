from django.apps import AppConfig


class ItinerariesConfig(AppConfig):
    name = "itineraries"
    verbose_name = "Itinéraires"

    def ready(self) -> None:
        from itineraries import receivers  # noqa: F401  (connects the cache invalidation)
