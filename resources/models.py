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

from itineraries.models import Itinerary, Language, Site, Theme

# Error codes of the uploads (tests import them).
NOT_A_PDF = "not_a_pdf"
PDF_TOO_LARGE = "pdf_too_large"
MALFORMED_PDF = "malformed_pdf"


def validate_pdf(upload: File) -> None:  # type: ignore[type-arg]
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
