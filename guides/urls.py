"""Routes outside the API, included by the project under ``calendar/``."""

from django.urls import path

from guides import feeds

urlpatterns = [
    # The token is the whole capability; the extension keeps calendar apps happy.
    path("guides/<str:token>.ics", feeds.guide_feed, name="guide-feed"),
]
