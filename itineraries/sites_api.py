"""Sites for the public map: ``/sites/`` (each site's card) and the open data,
``/sites.geojson`` (RFC 7946) and ``/sites.csv``, under the licence of ``OPEN_DATA_LICENCE_*``.

The open data holds only the sites shown on the map and is the same for every reader: it is
cached with a strong ETag and answers 304 to a conditional GET. Its properties keep both
languages (``name_fr``, ``name_en``...) so that one file serves every reuser.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from core.cache import CachedReadMixin, cached_bytes
from itineraries import selectors
from itineraries.api import SiteSerializer
from itineraries.models import Site, SiteCategory, SiteFigure

GEOJSON_TYPE = "application/geo+json"
CSV_TYPE = "text/csv; charset=utf-8"
CSV_COLUMNS = [
    "slug",
    "name_fr",
    "name_en",
    "longitude",
    "latitude",
    "categories",
    "demonstrates_fr",
    "demonstrates_en",
    "address",
    "wheelchair_accessible",
    "minimum_age",
    "accessibility_fr",
    "accessibility_en",
    "open_to_visits",
    "itineraries",
    "url",
]


# --- /sites/: the site cards ------------------------------------------------------------------


class SiteFigureSerializer(serializers.ModelSerializer[SiteFigure]):
    class Meta:
        model = SiteFigure
        fields = ["label", "value", "unit", "year", "source", "source_url"]


class VisitingItinerarySerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    title = serializers.CharField()


class SiteCardSerializer(SiteSerializer):
    figures = SiteFigureSerializer(many=True)
    itineraries = serializers.SerializerMethodField()

    class Meta(SiteSerializer.Meta):
        fields = [*SiteSerializer.Meta.fields, "on_map", "figures", "itineraries"]

    @extend_schema_field(VisitingItinerarySerializer(many=True))
    def get_itineraries(self, obj: Site) -> list[dict[str, str]]:
        return [
            {"slug": itinerary.slug, "title": itinerary.title}
            for itinerary in selectors.visiting_itineraries(obj)
        ]


class SiteQuerySerializer(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=SiteCategory.choices, required=False)


class SiteViewSet(CachedReadMixin, viewsets.ReadOnlyModelViewSet[Site]):
    """Every site with what it demonstrates, its key figures (year and source) and the
    published itineraries that visit it."""

    serializer_class = SiteCardSerializer
    lookup_field = "slug"
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        category = ""
        if self.action == "list" and "category" in self.request.query_params:
            query = SiteQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            # ``?category=`` (empty) is no filter: DRF leaves an empty optional field out.
            category = query.validated_data.get("category", "")
        return selectors.site_card_queryset(category=category)

    @extend_schema(parameters=[SiteQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        """The sites, those of one category with ``?category=`` (a ``SiteCategory`` code;
        an unknown one is a 400 problem on ``category``)."""
        return super().list(request, *args, **kwargs)


# --- The open data -------------------------------------------------------------------------


def _coordinate(value: Decimal) -> float:
    # Five decimals (about a metre) is what the database holds; floats keep GeoJSON numbers.
    return round(float(value), 5)


def _licence() -> dict[str, str]:
    return {"name": settings.OPEN_DATA_LICENCE_NAME, "url": settings.OPEN_DATA_LICENCE_URL}


def _site_url(site: Site) -> str:
    return f"{settings.SITE_URL}/map/?site={site.slug}"


def _text(obj: Site | SiteFigure, field: str, lang: str, fallback: bool = False) -> str:
    """A translated column (modeltranslation's ``<field>_<lang>``), "" when empty; English
    falls back to French for names and units, never for the longer texts."""
    value = getattr(obj, f"{field}_{lang}", "") or ""
    if not value and fallback and lang != "fr":
        value = getattr(obj, f"{field}_fr", "") or ""
    return str(value)


def _figure(figure: SiteFigure) -> dict[str, Any]:
    return {
        "label_fr": _text(figure, "label", "fr"),
        "label_en": _text(figure, "label", "en", fallback=True),
        "value": figure.value,
        "unit_fr": _text(figure, "unit", "fr"),
        "unit_en": _text(figure, "unit", "en", fallback=True),
        "year": figure.year,
        "source": figure.source,
        "source_url": figure.source_url,
    }


def _properties(site: Site) -> dict[str, Any]:
    """Typed properties: strings are strings (never null), flags booleans, ages integers."""
    return {
        "slug": site.slug,
        "name_fr": _text(site, "name", "fr"),
        "name_en": _text(site, "name", "en", fallback=True),
        "categories": list(site.categories),
        "demonstrates_fr": _text(site, "demonstrates", "fr"),
        "demonstrates_en": _text(site, "demonstrates", "en"),
        "address": site.address,
        "wheelchair_accessible": site.wheelchair_accessible,
        "minimum_age": site.minimum_age,
        "accessibility_fr": _text(site, "accessibility_notes", "fr"),
        "accessibility_en": _text(site, "accessibility_notes", "en"),
        "open_to_visits": site.is_bookable,
        "figures": [_figure(figure) for figure in site.figures.all()],
        "itineraries": [i.slug for i in selectors.visiting_itineraries(site)],
        "url": _site_url(site),
    }


def sites_feature_collection(sites: list[Site]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection: WGS 84 positions as [longitude, latitude], no ``crs``
    member (RFC 7946 removed it), a ``bbox`` in the same order, the licence as a foreign
    member."""
    features = [
        {
            "type": "Feature",
            "id": site.slug,
            "geometry": {
                "type": "Point",
                "coordinates": [_coordinate(site.longitude), _coordinate(site.latitude)],
            },
            "properties": _properties(site),
        }
        for site in sites
    ]
    collection: dict[str, Any] = {"type": "FeatureCollection"}
    if sites:
        lons = [_coordinate(site.longitude) for site in sites]
        lats = [_coordinate(site.latitude) for site in sites]
        collection["bbox"] = [min(lons), min(lats), max(lons), max(lats)]
    collection.update(
        {
            "name": "Sites de la transition, Loos-en-Gohelle",
            "licence": _licence(),
            "publisher": settings.OFFICE_NAME,
            "features": features,
        }
    )
    return collection


def _csv_cell(value: str) -> str:
    # A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def sites_csv(sites: list[Site]) -> bytes:
    """One row per site; lists joined with "|"; UTF-8 with a BOM so that spreadsheets read the
    accents; coordinates in WGS 84 decimal degrees."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for site in sites:
        props = _properties(site)
        row = {
            **props,
            "longitude": f"{_coordinate(site.longitude):.5f}",
            "latitude": f"{_coordinate(site.latitude):.5f}",
            "categories": "|".join(props["categories"]),
            "itineraries": "|".join(props["itineraries"]),
            "wheelchair_accessible": "true" if site.wheelchair_accessible else "false",
            "open_to_visits": "true" if site.is_bookable else "false",
        }
        writer.writerow([_csv_cell(str(row[column])) for column in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class _FileRenderer(BaseRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> Any:
        return data


class GeoJSONRenderer(_FileRenderer):
    media_type = GEOJSON_TYPE
    format = "geojson"


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class _OneFormat(BaseContentNegotiation):
    """The URL names the format: whatever ``Accept`` says, the file's own type is answered."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return (renderers[0], renderers[0].media_type)


def _licence_link() -> str:
    return f'<{settings.OPEN_DATA_LICENCE_URL}>; rel="license"'


NOT_MODIFIED = OpenApiResponse(description="Not modified: the ETag given in If-None-Match.")


class SitesGeoJSONView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    renderer_classes = [GeoJSONRenderer]
    content_negotiation_class = _OneFormat

    @extend_schema(
        operation_id="sites_geojson",
        summary="The sites shown on the map, as GeoJSON (RFC 7946)",
        description=(
            "A FeatureCollection of Point features, positions in WGS 84 as [longitude, "
            "latitude]. The licence is the collection's `licence` member and the `Link` "
            "header (rel=license). Send the ETag back in `If-None-Match`: 304 when unchanged."
        ),
        responses={
            (200, GEOJSON_TYPE): OpenApiResponse(
                response=inline_serializer(
                    "SitesFeatureCollection",
                    {
                        "type": serializers.ChoiceField(choices=["FeatureCollection"]),
                        "bbox": serializers.ListField(child=serializers.FloatField()),
                        "name": serializers.CharField(),
                        "licence": inline_serializer(
                            "OpenDataLicence",
                            {"name": serializers.CharField(), "url": serializers.URLField()},
                        ),
                        "publisher": serializers.CharField(),
                        "features": serializers.ListField(child=serializers.DictField()),
                    },
                ),
                description="The FeatureCollection.",
            ),
            304: NOT_MODIFIED,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        def produce() -> bytes:
            sites = list(selectors.site_card_queryset(on_map_only=True))
            return json.dumps(sites_feature_collection(sites), ensure_ascii=False).encode()

        answer = cached_bytes(request, ("catalogue",), produce, GEOJSON_TYPE)
        answer["Link"] = _licence_link()
        answer["Access-Control-Allow-Origin"] = "*"  # open data: any page may read it
        return answer


class SitesCSVView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    renderer_classes = [CSVRenderer]
    content_negotiation_class = _OneFormat

    @extend_schema(
        operation_id="sites_csv",
        summary="The sites shown on the map, as CSV",
        description=(
            "UTF-8 (with a byte-order mark), comma-separated, one header row: "
            + ", ".join(CSV_COLUMNS)
            + ". Lists are joined with `|`; coordinates are WGS 84 decimal degrees. The "
            "licence is in the `Link` header (rel=license). 304 on a matching If-None-Match."
        ),
        responses={(200, "text/csv"): OpenApiTypes.STR, 304: NOT_MODIFIED},
    )
    def get(self, request: Request) -> HttpResponse:
        def produce() -> bytes:
            return sites_csv(list(selectors.site_card_queryset(on_map_only=True)))

        answer = cached_bytes(request, ("catalogue",), produce, CSV_TYPE)
        answer["Link"] = _licence_link()
        answer["Content-Disposition"] = 'inline; filename="sites.csv"'
        answer["Access-Control-Allow-Origin"] = "*"
        return answer
