"""The catalogue: themes, sites, itineraries with their stops and options, and departures.

Texts shown to visitors (names, descriptions, notes) are translated by django-modeltranslation
(``itineraries/translation.py``): each has ``_fr`` and ``_en`` columns and the plain attribute
follows the active language.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """Languages in which a visit can be guided."""

    FR = "fr", _("French")
    EN = "en", _("English")
    NL = "nl", _("Dutch")
    DE = "de", _("German")


class Theme(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class SiteCategory(models.TextChoices):
    """What a site demonstrates: the repowermap categories and the demonstrator's own."""

    SOLAR_PV = "solar_pv", _("Solar photovoltaic")
    SOLAR_THERMAL = "solar_thermal", _("Solar thermal")
    HEAT_PUMP = "heat_pump", _("Heat pump")
    ECO_CONSTRUCTION = "eco_construction", _("Eco-construction")
    ENERGY_RENOVATION = "energy_renovation", _("Energy renovation")
    BIODIVERSITY_WATER = "biodiversity_water", _("Biodiversity and water")
    FOOD_FARMING = "food_farming", _("Food and urban farming")
    MINING_HERITAGE = "mining_heritage", _("Mining heritage")
    CULTURE = "culture", _("Culture")


def validate_categories(value: object) -> None:
    """A list of distinct known category codes (the JSON column holds what the form sends)."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Categories must be a list of codes."), code="invalid")
    unknown = sorted(set(value) - set(SiteCategory.values))
    if unknown:
        raise ValidationError(
            _("Unknown categories: %(codes)s."),
            code="unknown",
            params={"codes": ", ".join(unknown)},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("A category is listed twice."), code="duplicate")


class Site(models.Model):
    """A place a visit goes to, with how many visitors it can take at the same time, and what it
    demonstrates of the transition (categories, a short text, key figures) for the public map."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=255)
    latitude = models.DecimalField(max_digits=8, decimal_places=5)
    longitude = models.DecimalField(max_digits=8, decimal_places=5)
    max_visitors = models.PositiveIntegerField(
        _("maximum visitors at the same time"), validators=[MinValueValidator(1)]
    )
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), default=0)
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), default=False)
    # Issue 18, item 2: None when not known (the demo data says only what is known).
    toilets = models.BooleanField(
        _("toilets on site"), null=True, blank=True, help_text=_("Leave empty when not known.")
    )
    safety_notes = models.TextField(_("safety notes"), blank=True)
    is_bookable = models.BooleanField(
        _("bookable"),
        default=True,
        help_text=_("A site closed to the public cannot be part of a published itinerary."),
    )
    categories = models.JSONField(
        _("what it demonstrates (categories)"),
        default=list,
        blank=True,
        validators=[validate_categories],
    )
    demonstrates = models.TextField(
        _("what it demonstrates"),
        blank=True,
        help_text=_("Two or three sentences for the map's site card."),
    )
    accessibility_notes = models.TextField(
        _("accessibility"),
        blank=True,
        help_text=_("Facts a visitor needs: steps, slopes, toilets, seats, distances."),
    )
    on_map = models.BooleanField(
        _("shown on the public map"),
        default=True,
        help_text=_("Shown on the map and in the open data (GeoJSON, CSV)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90) & Q(latitude__lte=90),
                name="site_latitude_valid",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180) & Q(longitude__lte=180),
                name="site_longitude_valid",
            ),
            models.CheckConstraint(
                condition=Q(max_visitors__gte=1), name="site_max_visitors_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SiteFigure(models.Model):
    """A key figure of a site (installed power, surface, a date), always with its year and the
    public source it comes from: a figure nobody can check is not shown."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="figures")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("label"), max_length=120)
    value = models.CharField(_("value"), max_length=40)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    source = models.CharField(_("source"), max_length=200)
    source_url = models.URLField(_("source address"), blank=True)

    class Meta:
        ordering = ["site", "position", "pk"]
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1800) & Q(year__lte=2100), name="site_figure_year_valid"
            ),
            models.CheckConstraint(condition=~Q(source=""), name="site_figure_has_a_source"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value} {self.unit} ({self.year})".replace("  ", " ")


def default_cancellation_policy() -> list[dict[str, int]]:
    """Days before the start -> percent refunded; the first tier the cancellation meets applies."""
    return [
        {"days_before": 30, "refund_percent": 100},
        {"days_before": 14, "refund_percent": 50},
        {"days_before": 0, "refund_percent": 0},
    ]


def default_private_start_times() -> list[str]:
    return ["09:00", "14:00"]


def default_languages() -> list[str]:
    return [Language.FR]


class Itinerary(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=400)
    description = models.TextField(_("description"), blank=True)
    practical_notes = models.TextField(_("practical notes"), blank=True)
    includes = models.TextField(_("what the price includes"), blank=True)
    meeting_point = models.CharField(_("meeting point"), max_length=255)
    meeting_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("meeting site"),
    )
    themes = models.ManyToManyField(
        Theme, related_name="itineraries", blank=True, verbose_name=_("themes")
    )
    languages = models.JSONField(_("languages offered"), default=default_languages)
    min_participants = models.PositiveIntegerField(default=1, verbose_name=_("min participants"))
    max_participants = models.PositiveIntegerField(default=30, verbose_name=_("max participants"))
    price_per_person_cents = models.PositiveIntegerField(_("price per person, excl. VAT (cents)"))
    minimum_charge_cents = models.PositiveIntegerField(
        _("minimum charge, excl. VAT (cents)"), default=0
    )
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        verbose_name=_("VAT rate"),
    )
    deposit_percent = models.PositiveSmallIntegerField(
        default=30, validators=[MaxValueValidator(100)], verbose_name=_("deposit percent")
    )
    cancellation_policy = models.JSONField(
        default=default_cancellation_policy, verbose_name=_("cancellation policy")
    )
    participants_per_guide = models.PositiveSmallIntegerField(
        default=25, verbose_name=_("participants per guide")
    )
    lead_time_days = models.PositiveSmallIntegerField(_("booking lead time (days)"), default=2)
    change_cutoff_hours = models.PositiveSmallIntegerField(
        _("changes allowed until (hours before the start)"), default=48
    )
    private_dates_allowed = models.BooleanField(
        default=True, verbose_name=_("private dates allowed")
    )
    private_start_times = models.JSONField(
        default=default_private_start_times, verbose_name=_("private start times")
    )
    # A group larger than the sites hold at once visits as two groups, the second this many
    # minutes after the first (bookings.services.staggered).
    stagger_minutes = models.PositiveSmallIntegerField(
        _("minutes between two groups on staggered times"), default=30
    )
    # Go/no-go of public departures (issue 18): below this many participants at the decision
    # time (``decision_days`` before the start) a public departure is cancelled, its groups
    # refunded; 0: no minimum, public departures always go ahead. visits.go_no_go decides.
    departure_minimum = models.PositiveSmallIntegerField(
        _("minimum participants for a public departure to go ahead (0: none)"), default=0
    )
    decision_days = models.PositiveSmallIntegerField(
        _("go/no-go decision (days before a public departure)"), default=7
    )
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["title"]
        verbose_name = _("itinerary")
        verbose_name_plural = _("itineraries")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_participants__gte=1), name="itinerary_min_participants_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_participants__gte=models.F("min_participants")),
                name="itinerary_max_participants_not_below_min",
            ),
            models.CheckConstraint(
                condition=Q(price_per_person_cents__gt=0) | Q(minimum_charge_cents__gt=0),
                name="itinerary_has_a_price",
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=100), name="itinerary_vat_rate_valid"
            ),
            models.CheckConstraint(
                condition=Q(deposit_percent__lte=100), name="itinerary_deposit_percent_valid"
            ),
            models.CheckConstraint(
                condition=Q(participants_per_guide__gte=1),
                name="itinerary_participants_per_guide_positive",
            ),
            models.CheckConstraint(
                condition=Q(stagger_minutes__gte=5), name="itinerary_stagger_minutes_at_least_five"
            ),
            models.CheckConstraint(
                condition=Q(decision_days__gte=1) & Q(decision_days__lte=90),
                name="itinerary_decision_days_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def duration_minutes(self) -> int:
        """Derived from the stops: the end of the last stop. Uses prefetched stops when present."""
        annotated = getattr(self, "duration_annotation", None)
        if annotated is not None:
            return int(annotated)
        return max(
            (stop.offset_minutes + stop.duration_minutes for stop in self.stops.all()), default=0
        )

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


class Stop(models.Model):
    itinerary = models.ForeignKey(
        Itinerary, on_delete=models.CASCADE, related_name="stops", verbose_name=_("itinerary")
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="stops")
    position = models.PositiveSmallIntegerField()
    offset_minutes = models.PositiveIntegerField(_("starts after (minutes)"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what is seen"), blank=True)
    # Access facts of the stop (issue 18, item 2): None when not known.
    walking_distance_m = models.PositiveIntegerField(
        _("walking distance (m)"),
        null=True,
        blank=True,
        help_text=_("On foot during this stop, in metres. Leave empty when not known."),
    )
    climb_m = models.PositiveIntegerField(
        _("climb (m)"),
        null=True,
        blank=True,
        help_text=_("Height climbed during this stop, in metres. Leave empty when not known."),
    )
    alternative = models.TextField(
        _("alternative for those who cannot do it"),
        blank=True,
        help_text=_("For example, what is offered instead of the climb of the slag heap."),
    )

    class Meta:
        ordering = ["itinerary", "position"]
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        constraints = [
            models.UniqueConstraint(
                fields=["itinerary", "position"], name="stop_unique_position_per_itinerary"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="stop_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def end_offset_minutes(self) -> int:
        return self.offset_minutes + self.duration_minutes


class Option(models.Model):
    """A per-person add-on of an itinerary (lunch, coach transfer) with its own VAT rate."""

    itinerary = models.ForeignKey(Itinerary, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField()
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    price_per_person_cents = models.PositiveIntegerField()
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        ordering = ["itinerary", "code"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(fields=["itinerary", "code"], name="option_unique_code"),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=100), name="option_vat_rate_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DepartureKind(models.TextChoices):
    PUBLIC = "public", _("Public (open to several groups)")  # seats sold to several groups
    PRIVATE = "private", _("Private (one group)")  # made from one group's request


class DepartureStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")  # takes bookings and occupies its sites
    CANCELLED = "cancelled", _("Cancelled")  # kept for history; occupies nothing


class Departure(models.Model):
    """One dated run of an itinerary. Created and moved only by ``itineraries.services``."""

    itinerary = models.ForeignKey(
        Itinerary, on_delete=models.PROTECT, related_name="departures", verbose_name=_("itinerary")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    # Denormalised from the stops at scheduling time, so that overlap queries stay in SQL.
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.FR, verbose_name=_("language")
    )
    capacity = models.PositiveIntegerField(verbose_name=_("capacity"))
    kind = models.CharField(
        max_length=10,
        choices=DepartureKind.choices,
        default=DepartureKind.PUBLIC,
        verbose_name=_("kind"),
    )
    status = models.CharField(
        max_length=10,
        choices=DepartureStatus.choices,
        default=DepartureStatus.SCHEDULED,
        verbose_name=_("status"),
    )
    # Bumped on every change of time, place or status; read by the calendar feeds.
    sequence = models.PositiveIntegerField(default=0, verbose_name=_("sequence"))
    # When the departure was confirmed to go ahead (its itinerary's minimum reached at the
    # decision time, or staff's decision before it); None: not decided, or no minimum.
    go_confirmed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("confirmed to go ahead at")
    )
    notes = models.TextField(blank=True)
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
        ordering = ["starts_at", "id"]
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        # Cancelling cancels every booking on it, with full refunds: more than a change.
        permissions = [("cancel_departure", "Can cancel a departure and all its bookings")]
        indexes = [
            models.Index(fields=["itinerary", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="departure_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="departure_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(language__in=[choice.value for choice in Language]),
                name="departure_language_known",
            ),
        ]

    def __str__(self) -> str:
        # Europe/Paris, as everywhere people read a time (the admin's lists and messages).
        return f"{self.itinerary} — {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_scheduled(self) -> bool:
        return self.status == DepartureStatus.SCHEDULED

    @property
    def has_minimum(self) -> bool:
        """A public departure of an itinerary with a minimum: it goes ahead only if reached."""
        return self.kind == DepartureKind.PUBLIC and self.itinerary.departure_minimum > 0

    @property
    def decision_at(self) -> datetime | None:
        """When its go/no-go is decided (None: no minimum to reach)."""
        if not self.has_minimum:
            return None
        return self.starts_at - timedelta(days=self.itinerary.decision_days)

    def go_no_go(self, seats_taken: int) -> dict[str, Any] | None:
        """What the catalogue says of its minimum, with ``seats_taken`` counted by the caller
        (bookings): how many more participants it needs, by when, and whether it is confirmed."""
        if not self.has_minimum:
            return None
        minimum = self.itinerary.departure_minimum
        confirmed = self.go_confirmed_at is not None
        return {
            "minimum_participants": minimum,
            "participants_needed": 0 if confirmed else max(minimum - seats_taken, 0),
            "decision_at": self.decision_at,
            "confirmed": confirmed,
        }


class Closure(models.Model):
    """Days on which no visit is held: a site closed (works, an event), or the office closed.

    French public holidays close every site too (``CLOSED_ON_PUBLIC_HOLIDAYS``) without a row
    here. Closed days are never offered for private dates and refused when a departure is
    scheduled or moved onto them; departures already scheduled there are left for staff to move.
    """

    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("site"),
        help_text=_("Leave empty when the office is closed: no visit at all on those days."),
    )
    starts_on = models.DateField(_("first closed day"))
    ends_on = models.DateField(_("last closed day"))
    reason = models.CharField(
        _("reason shown to groups"), max_length=160, help_text=_("For example: “Site closed”.")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        indexes = [models.Index(fields=["ends_on", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="closure_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        where = self.site.name if self.site is not None else _("Office")
        return f"{where}: {self.starts_on:%Y-%m-%d} → {self.ends_on:%Y-%m-%d}"
