"""``/api/v1/pictures/``: the pictures of a site or an itinerary with their widths (``srcset``),
and each width's file, re-encoded WebP, served from the storage."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from resources.models import Picture


def _url(picture: Picture, width: object) -> str:
    return reverse("picture-file", kwargs={"pk": picture.pk, "width": width})


class PictureSerializer(serializers.ModelSerializer[Picture]):
    site: Any = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    itinerary: Any = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    src = serializers.SerializerMethodField()
    srcset = serializers.SerializerMethodField()

    class Meta:
        model = Picture
        fields = ["id", "site", "itinerary", "alt", "credit", "width", "height", "src", "srcset"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_src(self, obj: Picture) -> str:
        """The widest file (``width`` by ``height``); ``srcset`` lists every width."""
        return _url(obj, obj.variants[-1]["width"]) if obj.variants else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_srcset(self, obj: Picture) -> str:
        return ", ".join(f"{_url(obj, v['width'])} {v['width']}w" for v in obj.variants)


class PictureFilter(filters.FilterSet):
    site = filters.CharFilter(field_name="site__slug")
    itinerary = filters.CharFilter(field_name="itinerary__slug")

    class Meta:
        model = Picture
        fields = ["site", "itinerary"]


class PictureViewSet(viewsets.ReadOnlyModelViewSet[Picture]):
    """Pictures of the sites and the published itineraries."""

    serializer_class = PictureSerializer
    filterset_class = PictureFilter
    permission_classes = [AllowAny]

    def get_queryset(self) -> Any:
        return (
            Picture.objects.exclude(itinerary__is_published=False)
            .select_related("site", "itinerary")
            .order_by("position", "pk")
        )


class PictureFileView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={(200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY, "The picture.")}
    )
    def get(self, request: Request, pk: int, width: int) -> FileResponse:
        """One width of a picture (immutable: a new upload gets new file names)."""
        picture = Picture.objects.filter(pk=pk).first()
        variant = next(
            (v for v in (picture.variants if picture else []) if v["width"] == width), None
        )
        if picture is None or variant is None:
            raise Http404
        response = FileResponse(
            default_storage.open(str(variant["name"]), "rb"), content_type="image/webp"
        )
        response["Cache-Control"] = "public, max-age=86400"
        return response
