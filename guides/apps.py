from django.apps import AppConfig


class GuidesConfig(AppConfig):
    name = "guides"
    verbose_name = "Guides"

    def ready(self) -> None:
        from bookings.selectors import private_slot_checks
        from guides import receivers  # noqa: F401  (connects the signal receivers)
        from guides.selectors import private_starts_with_guides

        # A private date also needs enough free guides speaking the language.
        if private_starts_with_guides not in private_slot_checks:
            private_slot_checks.append(private_starts_with_guides)
