from django.apps import AppConfig


class ItinerariesConfig(AppConfig):
    name = "itineraries"
    verbose_name = "Itinéraires"

    def ready(self) -> None:
        from itineraries import map_receivers, receivers  # noqa: F401  (cache invalidation)
