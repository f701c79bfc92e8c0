"""Admin of the resources library (staff upload each PDF, link it, publish it, see its
downloads) and the moderation of residents' contributions to the map."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from resources import images
from resources.contributions import NOT_MODERATABLE, contribution_moderate
from resources.models import Contribution, ContributionStatus, Picture, Resource
from resources.pictures import picture_store


@admin.register(Resource)
class ResourceAdmin(TranslationAdmin):
    list_display = ["title", "language", "phase", "is_published", "size_bytes", "download_count"]
    list_filter = ["is_published", "phase", "language", "themes"]
    search_fields = ["slug", "title_fr", "title_en", "summary_fr"]
    prepopulated_fields = {"slug": ("title_fr",)}
    filter_horizontal = ["themes", "sites", "itineraries"]
    readonly_fields = ["size_bytes", "download_count", "created_at"]


class ContributionModerationForm(forms.ModelForm):
    """Staff decide on a confirmed contribution here; the decision goes through the service
    (``contribution_moderate``), never by editing the status."""

    decision = forms.ChoiceField(
        label=_("decision"),
        required=False,
        choices=[("", "—"), ("approve", _("Publish on the map")), ("reject", _("Reject"))],
    )
    reason = forms.CharField(
        label=_("reason for rejection"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject; kept with the contribution."),
    )

    class Meta:
        model = Contribution
        fields: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if not decision:
            return data
        moderatable = (
            ContributionStatus.CONFIRMED,
            ContributionStatus.APPROVED,
            ContributionStatus.REJECTED,
        )
        if self.instance.status not in moderatable:
            raise ValidationError(
                _("Only a contribution its author has confirmed can be published or rejected."),
                code=NOT_MODERATABLE,
            )
        if decision == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the rejection."))
        return data


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    form = ContributionModerationForm
    list_display = ["__str__", "status", "year", "created_at", "confirmed_at", "moderated_at"]
    list_filter = ["status", "category"]
    search_fields = ["description", "email", "name"]
    actions = ["publish"]
    readonly_fields = [
        "status",
        "category",
        "description",
        "power_kw",
        "surface_m2",
        "year",
        "latitude",
        "longitude",
        "photo_preview",
        "photo_alt",
        "name",
        "email",
        "language",
        "created_at",
        "confirmed_at",
        "moderated_at",
        "moderated_by",
        "rejection_reason",
        "withdrawn_at",
    ]
    fields = [*readonly_fields, "decision", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # residents propose them; staff only decide

    @admin.display(description=_("photograph"))
    def photo_preview(self, obj: Contribution) -> str:
        if not obj.photo:
            return "-"
        url = reverse("contribution-photo", kwargs={"pk": obj.pk})
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" style="max-width:480px;height:auto">',
            url,
            obj.photo_alt,
            obj.photo_width,
            obj.photo_height,
        )

    def save_model(self, request: HttpRequest, obj: Contribution, form: Any, change: bool) -> None:
        decision = form.cleaned_data.get("decision")
        if decision:
            contribution_moderate(
                contribution_id=obj.pk,
                by=request.user,
                approve=decision == "approve",
                reason=form.cleaned_data.get("reason", ""),
            )

    @admin.action(description=_("Publish the selected confirmed contributions"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Contribution]) -> None:
        done = 0
        for pk in queryset.filter(status=ContributionStatus.CONFIRMED).values_list("pk", flat=True):
            contribution_moderate(contribution_id=pk, by=request.user, approve=True)
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d contribution published.", "%(n)d contributions published.", done)
            % {"n": done},
            messages.SUCCESS,
        )


class PictureForm(forms.ModelForm):
    """The file goes through ``resources.pictures`` (content sniffed, widths made once)."""

    upload = forms.FileField(label=_("picture file"), required=False)

    class Meta:
        model = Picture
        fields = ["site", "itinerary", "alt_fr", "alt_en", "credit", "position"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("upload")
        if not self.instance.pk and not upload:
            self.add_error("upload", _("Choose the picture's file."))
        elif upload:
            try:  # the same check as the service's, shown at the field
                images.open_image(upload, max_bytes=settings.PICTURE_MAX_BYTES)
            except ValidationError as exc:
                self.add_error("upload", exc)
        return data


@admin.register(Picture)
class PictureAdmin(TranslationAdmin):
    form = PictureForm
    list_display = ["__str__", "site", "itinerary", "width", "height", "position"]
    list_filter = ["site", "itinerary"]
    readonly_fields = ["width", "height", "preview"]
    fields = [
        "upload",
        "preview",
        "site",
        "itinerary",
        "alt",
        "credit",
        "position",
        "width",
        "height",
    ]

    @admin.display(description=_("preview"))
    def preview(self, obj: Picture) -> str:
        if not obj.variants:
            return "-"
        first = obj.variants[0]
        url = reverse("picture-file", kwargs={"pk": obj.pk, "width": first["width"]})
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}">',
            url,
            obj.alt,
            first["width"],
            first["height"],
        )

    def save_model(self, request: HttpRequest, obj: Picture, form: Any, change: bool) -> None:
        upload = form.cleaned_data.get("upload")
        if upload:
            picture_store(picture=obj, upload=upload)
        else:
            obj.save()
