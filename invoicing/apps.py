from django.apps import AppConfig, apps


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Facturation"

    def ready(self) -> None:
        from invoicing import receivers

        # The payments app may be absent (it is optional for invoicing): import it lazily.
        if apps.is_installed("payments"):
            from payments.signals import payment_succeeded  # type: ignore[import-not-found,unused-ignore]

            payment_succeeded.connect(
                receivers.invoice_on_payment, dispatch_uid="invoicing.invoice_on_payment"
            )
