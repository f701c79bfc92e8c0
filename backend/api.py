"""The /api/v1/ router: every app registers its resources here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from bookings import api as bookings_api
from guides import api as guides_api
from invoicing import api as invoicing_api
from itineraries import api as itineraries_api
from legal import api as legal_api
from payments import api as payments_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("themes", itineraries_api.ThemeViewSet, basename="theme")
router.register("sites", itineraries_api.SiteViewSet, basename="site")
# The bookings app extends the catalogue views with seats and availability (it may import the
# catalogue; the catalogue never imports bookings).
router.register("itineraries", bookings_api.ItineraryViewSet, basename="itinerary")
router.register("departures", bookings_api.DepartureViewSet, basename="departure")
# The payments app extends the bookings views with checkout/ and payments/ (it may import
# bookings; bookings never imports payments).
router.register("bookings", payments_api.PaymentBookingViewSet, basename="booking")
router.register("guides", guides_api.GuideViewSet, basename="guide")
router.register("invoices", invoicing_api.InvoiceViewSet, basename="invoice")

urlpatterns = [
    # Files keep their extension as the last part of the path (no trailing slash).
    path(
        "bookings/<str:reference>/calendar.ics",
        bookings_api.BookingViewSet.as_view({"get": "calendar"}),
        name="booking-calendar",
    ),
    path(
        "bookings/<str:reference>/programme.pdf",
        bookings_api.BookingViewSet.as_view({"get": "programme"}),
        name="booking-programme",
    ),
    # The guides app adds to departures without editing the bookings views; before the router.
    path(
        "departures/lacking-guides/",
        guides_api.DeparturesLackingGuidesView.as_view(),
        name="departures-lacking-guides",
    ),
    path(
        "departures/<int:pk>/guide-suggestions/",
        guides_api.GuideSuggestionsView.as_view(),
        name="departure-guide-suggestions",
    ),
    path(
        "departures/<int:pk>/assignments/",
        guides_api.DepartureAssignmentsView.as_view(),
        name="departure-assignments",
    ),
    path("guides/me/schedule/", guides_api.MyScheduleView.as_view(), name="guide-my-schedule"),
    path("guides/me/feed-token/", guides_api.MyFeedTokenView.as_view(), name="guide-my-feed-token"),
    # Invoice files and the accounting export, before the router (no trailing slash).
    path(
        "invoices/export.csv",
        invoicing_api.InvoiceViewSet.as_view({"get": "export"}),
        name="invoice-export",
    ),
    path(
        "invoices/<str:number>/pdf",
        invoicing_api.InvoiceViewSet.as_view({"get": "pdf"}),
        name="invoice-pdf",
    ),
    path(
        "payments/stripe/webhook/",
        payments_api.StripeWebhookView.as_view(),
        name="stripe-webhook",
    ),
    path("contact/", legal_api.ContactMessageView.as_view(), name="contact"),
    *router.urls,
]
