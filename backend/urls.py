from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from core.health import healthz
from core.openapi import ApiDocsView

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("backend.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # Guides' calendar subscriptions: /calendar/guides/<token>.ics
    path("calendar/", include("guides.urls")),
    # The web app last: its pages are the remaining paths.
    path("", include("frontend.urls")),
]

if settings.BENCH_VIEWS:
    urlpatterns.insert(0, path("bench/", include("bench.urls")))

handler400 = "core.problems.handler400"
handler403 = "core.problems.handler403"
handler404 = "frontend.views.not_found"
handler500 = "core.problems.handler500"
