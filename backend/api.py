"""The /api/v1/ router: every app registers its resources here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from bookings import api as bookings_api
from itineraries import api as itineraries_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("themes", itineraries_api.ThemeViewSet, basename="theme")
router.register("sites", itineraries_api.SiteViewSet, basename="site")
# The bookings app extends the catalogue views with seats and availability (it may import the
# catalogue; the catalogue never imports bookings).
router.register("itineraries", bookings_api.ItineraryViewSet, basename="itinerary")
router.register("departures", bookings_api.DepartureViewSet, basename="departure")
router.register("bookings", bookings_api.BookingViewSet, basename="booking")

urlpatterns = [
    # Files keep their extension as the last part of the path (no trailing slash).
    path(
        "bookings/<str:reference>/calendar.ics",
        bookings_api.BookingViewSet.as_view({"get": "calendar"}),
        name="booking-calendar",
    ),
    *router.urls,
]
