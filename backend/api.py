"""The /api/v1/ router: every app registers its resources here."""

from rest_framework.routers import DefaultRouter

from itineraries import api as itineraries_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("themes", itineraries_api.ThemeViewSet, basename="theme")
router.register("sites", itineraries_api.SiteViewSet, basename="site")
router.register("itineraries", itineraries_api.ItineraryViewSet, basename="itinerary")
router.register("departures", itineraries_api.DepartureViewSet, basename="departure")

urlpatterns = router.urls
