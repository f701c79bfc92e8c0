from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView

from core.apidocs import LocalRedocView
from core.health import healthz
from core.openapi import ApiDocsView

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("backend.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", LocalRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    # Only the sign-in and sign-out of guides: no password-reset or -change pages (a forgotten
    # password is reset by the office in the admin; docs/operations.md).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Guides' calendar subscriptions: /calendar/guides/<token>.ics
    path("calendar/", include("guides.urls")),
    # Legal notices, terms of sale, privacy, accessibility, FAQ and contact (server-rendered).
    path("", include("legal.urls")),
    # The web app last: its pages are the remaining paths.
    path("", include("frontend.urls")),
]

if settings.BENCH_VIEWS:
    urlpatterns.insert(0, path("bench/", include("bench.urls")))

handler400 = "core.problems.handler400"
handler403 = "core.problems.handler403"
handler404 = "frontend.views.not_found"
handler500 = "core.problems.handler500"
