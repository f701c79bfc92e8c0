"""Four fictional guides, and the demo departures assigned to them without conflict.

Idempotent: run it after ``load_demo`` as often as you like. Assignments go through the same
service as the API, so every refusal (hours, language, another visit too close) is respected:
a departure no guide can take is reported and left without a guide.
"""

from __future__ import annotations

import secrets
from datetime import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.errors import DomainError
from guides import selectors, services
from guides.models import AssignmentRole, Guide
from itineraries.models import Departure, DepartureStatus, Theme

# Fictional people (see DOMAIN.md). No e-mail address: loading the demo sends no mail. Each
# new demo guide gets a generated password, printed once, to try the guide page.
GUIDES: list[dict[str, Any]] = [
    {
        "username": "guide.camille",
        "display_name": "Camille Lefort",
        "languages": ["fr"],
        "themes": ["participation-citoyenne", "transmission", "culture"],
        "days": [0, 1, 2, 3, 4, 5],
    },
    {
        "username": "guide.james",
        "display_name": "James Whitfield",
        "languages": ["en", "fr"],
        "themes": ["energie", "biodiversite-urbanisme"],
        "days": [0, 1, 2, 3, 4],
    },
    {
        "username": "guide.anouk",
        "display_name": "Anouk Vermeulen",
        "languages": ["nl", "fr", "en"],
        "themes": ["alimentation-durable", "biodiversite-urbanisme"],
        "days": [1, 2, 3, 4, 5],
    },
    {
        "username": "guide.lena",
        "display_name": "Lena Hoffmann",
        "languages": ["de", "fr", "en"],
        "themes": ["energie", "culture"],
        "days": [0, 2, 3, 4, 5],
    },
]


class Command(BaseCommand):
    help = "Create four fictional guides and assign the demo departures to them."

    def handle(self, *args: Any, **options: Any) -> None:
        guides = [self._guide(data) for data in GUIDES]
        assigned = self._assign()
        self.stdout.write(
            self.style.SUCCESS(f"Demo guides: {len(guides)} guides, {assigned} new assignments.")
        )

    def _guide(self, data: dict[str, Any]) -> Guide:
        user, user_created = get_user_model().objects.get_or_create(
            username=data["username"], defaults={"email": ""}
        )
        if user_created:
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(
                f"Guide '{user.username}': password '{password}' (shown only this once; "
                "sign in at /accounts/login/ to see /guide/)."
            )
        guide = Guide.objects.filter(user=user).first()
        if guide is None:
            guide = services.guide_create(
                user=user,
                display_name=data["display_name"],
                languages=data["languages"],
                themes=Theme.objects.filter(slug__in=data["themes"]),
                weekly_hours=[
                    {"weekday": day, "start_time": time(8, 0), "end_time": time(19, 0)}
                    for day in data["days"]
                ],
            )
        return guide

    def _assign(self) -> int:
        assigned = 0
        departures = Departure.objects.filter(
            status=DepartureStatus.SCHEDULED, starts_at__gt=timezone.now()
        ).select_related("itinerary")
        for departure in departures.order_by("starts_at", "pk"):
            if departure.guide_assignments.exists():
                continue
            for suggestion in selectors.guide_suggestions(departure=departure):
                try:
                    services.assignment_create(
                        departure=departure,
                        guide=suggestion.guide,
                        role=AssignmentRole.LEAD,
                        by=None,
                    )
                except DomainError:
                    continue
                assigned += 1
                break
            else:
                self.stdout.write(f"No free guide for {departure}.")
        return assigned
