from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Paiements"

    def ready(self) -> None:
        from payments import receivers  # noqa: F401  (connects the signal receivers)
