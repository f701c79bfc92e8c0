"""The default set of scheduled messages (issue 18): staff edit it in the admin afterwards."""

from typing import Any

from django.db import migrations

DEFAULTS = [
    # kind, days, timing, French text, English text
    ("head_count", 30, "before", "", ""),
    (
        "practical",
        7,
        "before",
        "Prévoyez des chaussures de marche ou des bottes pour le terril et des vêtements adaptés "
        "à la météo : une grande partie de la visite se fait en plein air.",
        "Bring walking shoes or boots for the slag heap and clothing for the weather: much of "
        "the visit is outdoors.",
    ),
    ("guide", 2, "before", "", ""),
    (
        "thanks",
        1,
        "after",
        "Vos impressions nous aident à améliorer les visites : répondez simplement à ce courriel.",
        "Your impressions help us improve the visits: simply reply to this e-mail.",
    ),
]


def create_defaults(apps: Any, schema_editor: Any) -> None:
    MessageRule = apps.get_model("visits", "MessageRule")
    for kind, days, timing, text_fr, text_en in DEFAULTS:
        MessageRule.objects.get_or_create(
            itinerary=None,
            kind=kind,
            defaults={
                "days": days,
                "timing": timing,
                "text": text_fr,
                "text_fr": text_fr,
                "text_en": text_en,
            },
        )


def remove_defaults(apps: Any, schema_editor: Any) -> None:
    apps.get_model("visits", "MessageRule").objects.filter(itinerary=None).delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_scheduled_messages")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
