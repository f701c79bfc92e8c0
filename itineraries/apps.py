from django.apps import AppConfig


class ItinerariesConfig(AppConfig):
    name = "itineraries"
    verbose_name = "Itinéraires"
