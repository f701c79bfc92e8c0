"""Documents to read before and after a visit (the town's booklet, reports, fact sheets),
linked to themes, sites and itineraries of the catalogue. Files go through Django's storage API
(the filesystem by default; an S3-compatible storage is a setting away)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itineraries.models import Itinerary, Language, Site, SiteCategory, Theme

# Error codes of the uploads (tests import them).
NOT_A_PDF = "not_a_pdf"
PDF_TOO_LARGE = "pdf_too_large"
MALFORMED_PDF = "malformed_pdf"


def validate_pdf(upload: File) -> None:
    """A PDF by its content (the name and the browser's type are not trusted), under the size
    cap, that pypdf can open and count the pages of."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if upload.size is not None and upload.size > settings.RESOURCE_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)d MB."),
            code=PDF_TOO_LARGE,
            params={"mb": settings.RESOURCE_MAX_BYTES // (1024 * 1024)},
        )
    upload.seek(0)
    if not upload.read(5) == b"%PDF-":
        raise ValidationError(_("The file is not a PDF."), code=NOT_A_PDF)
    upload.seek(0)
    try:
        pages = len(PdfReader(upload, strict=True).pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ValidationError(_("The PDF cannot be read."), code=MALFORMED_PDF) from exc
    finally:
        upload.seek(0)
    if pages < 1:
        raise ValidationError(_("The PDF cannot be read."), code=MALFORMED_PDF)


class Phase(models.TextChoices):
    """When the group reads it."""

    BEFORE = "before", _("Before the visit")
    AFTER = "after", _("After the visit")
    ANY = "any", _("Before or after")


class Resource(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    version = models.CharField(_("version"), max_length=60, blank=True)
    licence = models.CharField(
        _("licence"), max_length=120, help_text=_("e.g. © Ville de Loos-en-Gohelle, CC BY 4.0")
    )
    phase = models.CharField(_("when to read it"), max_length=6, choices=Phase.choices)
    file = models.FileField(
        _("PDF file"), upload_to="resources/", blank=True, validators=[validate_pdf]
    )
    size_bytes = models.PositiveIntegerField(_("size (bytes)"), default=0, editable=False)
    themes = models.ManyToManyField(Theme, blank=True, related_name="+", verbose_name=_("themes"))
    sites = models.ManyToManyField(Site, blank=True, related_name="+", verbose_name=_("sites"))
    itineraries = models.ManyToManyField(
        Itinerary, blank=True, related_name="+", verbose_name=_("itineraries")
    )
    is_published = models.BooleanField(_("published"), default=False)
    download_count = models.PositiveIntegerField(_("downloads"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            # Listed without its file is fine while the operator gets it; published, never.
            models.CheckConstraint(
                condition=Q(is_published=False) | ~Q(file=""),
                name="resource_published_has_a_file",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        self.size_bytes = self.file.size if self.file else 0
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        if self.is_published and not self.file:
            raise ValidationError(
                {"is_published": _("Upload the PDF before publishing.")}, code="no_file"
            )


class ContributionStatus(models.TextChoices):
    """A resident's proposal, from the form to the map."""

    # Sent; waits for its author to click the e-mailed link.
    UNCONFIRMED = "unconfirmed", _("Waiting for e-mail confirmation")
    # Confirmed by its author; waits for staff.
    CONFIRMED = "confirmed", _("Waiting for moderation")
    # Accepted by staff: on the map, at its rounded location.
    APPROVED = "approved", _("Published")
    # Refused by staff, with a reason.
    REJECTED = "rejected", _("Rejected")
    # Withdrawn by its author; its personal data and photo are erased.
    WITHDRAWN = "withdrawn", _("Withdrawn")


def contribution_photo_path(instance: Contribution, filename: str) -> str:
    # The resident's file name is never kept (it may hold their name or address).
    import secrets

    return f"contributions/{secrets.token_hex(12)}.webp"


class Contribution(models.Model):
    """An installation a resident proposes for the map (a solar roof, a heat pump...).

    Its location is stored already rounded to the contribution grid (``resources.contributions``
    ``round_to_grid``): the exact point the resident placed is never written anywhere. Only the
    ``resources.contributions`` services change its status; nothing a resident sends can.
    """

    category = models.CharField(_("category"), max_length=20, choices=SiteCategory.choices)
    description = models.TextField(_("description"), max_length=2000)
    power_kw = models.DecimalField(
        _("power (kW)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    surface_m2 = models.DecimalField(
        _("surface area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude (rounded)"), max_digits=8, decimal_places=5)
    longitude = models.DecimalField(_("longitude (rounded)"), max_digits=8, decimal_places=5)
    photo = models.FileField(_("photograph"), upload_to=contribution_photo_path, blank=True)
    photo_width = models.PositiveIntegerField(_("photo width"), default=0, editable=False)
    photo_height = models.PositiveIntegerField(_("photo height"), default=0, editable=False)
    photo_alt = models.CharField(_("photo description"), max_length=300, blank=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=2, default="fr")
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ContributionStatus.choices,
        default=ContributionStatus.UNCONFIRMED,
    )
    confirm_token_hash = models.CharField(
        _("confirmation link (hash)"), max_length=64, blank=True, editable=False
    )
    withdraw_token_hash = models.CharField(
        _("withdrawal link (hash)"), max_length=64, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("resident's contribution")
        verbose_name_plural = _("residents' contributions")
        constraints = [
            # Published only once its author confirmed it and a person of staff accepted it.
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (Q(confirmed_at__isnull=False) & Q(moderated_at__isnull=False)),
                name="contribution_published_confirmed_and_moderated",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="contribution_rejected_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(photo="") | ~Q(photo_alt=""),
                name="contribution_photo_has_alt_text",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="contribution_status")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} #{self.pk}"


class Picture(models.Model):
    """A picture of a site or an itinerary, stored re-encoded (WebP, no metadata) in a few
    widths generated once at upload (``resources.pictures``), each through Django's storage."""

    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    itinerary = models.ForeignKey(
        Itinerary,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("itinerary"),
    )
    alt = models.CharField(
        _("text alternative"),
        max_length=300,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    credit = models.CharField(_("credit and licence"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    # [{"width": 480, "height": 320, "name": "pictures/....webp"}, ...], narrowest first.
    variants = models.JSONField(_("sizes"), default=list, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")
        constraints = [
            models.CheckConstraint(
                condition=Q(site__isnull=False, itinerary__isnull=True)
                | Q(site__isnull=True, itinerary__isnull=False),
                name="picture_of_one_site_or_itinerary",
            ),
            # Refused without its text alternative (RGAA 1.1), in the database too.
            models.CheckConstraint(condition=~Q(alt_fr=""), name="picture_has_alt_text"),
        ]

    def __str__(self) -> str:
        return self.alt
