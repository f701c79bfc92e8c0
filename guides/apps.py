from django.apps import AppConfig


class GuidesConfig(AppConfig):
    name = "guides"
    verbose_name = "Guides"

    def ready(self) -> None:
        from guides import receivers  # noqa: F401  (connects the signal receivers)
