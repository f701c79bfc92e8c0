"""Guides, the hours they work, their time off, and their assignments to departures.

No double-booking invariant: a guide's assignments never overlap once the travel buffer
(``GUIDE_TRAVEL_BUFFER_MINUTES``) is added on each side of the visit. ``Assignment.starts_at`` and
``ends_at`` store that buffered range, so that PostgreSQL holds the invariant with an exclusion
constraint (``assignment_no_overlap``, added by a raw-SQL migration since SQLite has no such
thing); on SQLite ``guides.services`` checks it inside the IMMEDIATE transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itineraries.models import Departure, Theme


class Guide(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="guide",
        verbose_name=_("user"),
    )
    display_name = models.CharField(_("display name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Codes of itineraries.models.Language.
    languages = models.JSONField(_("languages spoken"), default=list)
    themes = models.ManyToManyField(
        Theme, related_name="guides", blank=True, verbose_name=_("themes")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # SHA-256 of the calendar-feed token (core.tokens), the only thing the feed looks up.
    feed_token_hash = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("feed token hash")
    )
    # The seed the token is derived from with SECRET_KEY (core.tokens.derived_token), so that
    # the guide page can show the link again without rotating it; empty for older tokens.
    feed_token_seed = models.CharField(max_length=64, blank=True, verbose_name=_("feed token seed"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["display_name", "pk"]
        verbose_name = _("guide")
        verbose_name_plural = _("guides")

    def __str__(self) -> str:
        return self.display_name


class WeeklyAvailability(models.Model):
    """A weekly window in which a guide works (local time, Europe/Paris); 0 is Monday."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["guide", "weekday", "start_time"]
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availabilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="weekly_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="weekly_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guide} {self.weekday} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(models.Model):
    guide = models.ForeignKey(
        Guide, on_delete=models.CASCADE, related_name="time_off", verbose_name=_("guide")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["guide", "starts_at"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="time_off_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guide} {self.starts_at:%Y-%m-%d}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead guide")
    ASSISTANT = "assistant", _("Assistant guide")


class Assignment(models.Model):
    """A guide on a departure. ``starts_at``/``ends_at``: the visit plus the travel buffer."""

    guide = models.ForeignKey(
        Guide, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("guide")
    )
    departure = models.ForeignKey(
        Departure,
        on_delete=models.PROTECT,
        related_name="guide_assignments",
        verbose_name=_("departure"),
    )
    role = models.CharField(max_length=10, choices=AssignmentRole.choices, verbose_name=_("role"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    # Bumped when the departure's groups change (head count); the feed's SEQUENCE adds it to the
    # departure's own sequence (time, place, status), so it only ever grows.
    sequence = models.PositiveIntegerField(default=0, verbose_name=_("sequence"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["guide", "starts_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["guide", "departure"], name="assignment_unique_guide_departure"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="assignment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[choice.value for choice in AssignmentRole]),
                name="assignment_role_known",
            ),
            # One guide answers for the group (the programme and the feeds name them first).
            models.UniqueConstraint(
                fields=["departure"],
                condition=Q(role=AssignmentRole.LEAD),
                name="assignment_one_lead_per_departure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guide} — {self.departure}"
