"""``/api/v1/resources/``: the published documents, filtered by theme, site, itinerary,
language and phase, each with its download URL; ``/resources/{slug}/download/`` counts the
download and serves the file from the storage."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request

from itineraries.models import Language
from resources import selectors, services
from resources.models import Phase, Resource


class ResourceSerializer(serializers.ModelSerializer[Resource]):
    themes: Any = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    sites: Any = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    itineraries: Any = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Resource
        fields = [
            "slug",
            "title",
            "summary",
            "language",
            "version",
            "licence",
            "phase",
            "size_bytes",
            "themes",
            "sites",
            "itineraries",
            "download_url",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, obj: Resource) -> str:
        return reverse("resource-download", kwargs={"slug": obj.slug})


class ResourceFilter(filters.FilterSet):
    theme = filters.CharFilter(field_name="themes__slug")
    site = filters.CharFilter(field_name="sites__slug")
    itinerary = filters.CharFilter(field_name="itineraries__slug")
    language = filters.ChoiceFilter(choices=Language.choices)
    phase = filters.ChoiceFilter(choices=Phase.choices)

    class Meta:
        model = Resource
        fields = ["theme", "site", "itinerary", "language", "phase"]


class ResourceViewSet(viewsets.ReadOnlyModelViewSet[Resource]):
    serializer_class = ResourceSerializer
    lookup_field = "slug"
    filterset_class = ResourceFilter

    def get_queryset(self) -> Any:
        return selectors.published_resources().distinct()

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, "The PDF."),
        }
    )
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request: Request, slug: str) -> FileResponse:
        resource = self.get_object()
        if not resource.file:
            raise Http404
        services.resource_downloaded(resource=resource)
        return FileResponse(
            resource.file.open("rb"),
            as_attachment=True,
            filename=f"{resource.slug}.pdf",
            content_type="application/pdf",
        )
