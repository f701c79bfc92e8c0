"""Admin of the resources library: staff upload each PDF, link it, publish it, see its
downloads."""

from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from resources.models import Resource


@admin.register(Resource)
class ResourceAdmin(TranslationAdmin):  # type: ignore[type-arg]
    list_display = ["title", "language", "phase", "is_published", "size_bytes", "download_count"]
    list_filter = ["is_published", "phase", "language", "themes"]
    search_fields = ["slug", "title_fr", "title_en", "summary_fr"]
    prepopulated_fields = {"slug": ("title_fr",)}
    filter_horizontal = ["themes", "sites", "itineraries"]
    readonly_fields = ["size_bytes", "download_count", "created_at"]
