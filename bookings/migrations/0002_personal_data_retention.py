"""GDPR: erasure request and anonymisation dates on bookings, and no contact e-mail left in the
audit trail (the "changed" events used to copy the previous address into their data)."""

from typing import Any

from django.db import migrations, models


def drop_contact_email_from_events(apps: Any, schema_editor: Any) -> None:
    # The events are append-only in Python; this one-off cleanup writes through the historical
    # model (no custom save), the same narrow exception as bookings.retention's scrubbing.
    BookingEvent = apps.get_model("bookings", "BookingEvent")
    for event in BookingEvent.objects.filter(action="changed").only("pk", "data").iterator():
        before = (event.data or {}).get("before")
        if isinstance(before, dict) and "contact_email" in before:
            data = {
                **event.data,
                "before": {k: v for k, v in before.items() if k != "contact_email"},
            }
            BookingEvent.objects.filter(pk=event.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="booking",
            name="erasure_requested_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(drop_contact_email_from_events, migrations.RunPython.noop),
    ]
