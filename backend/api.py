"""The /api/v1/ router: every app registers its resources here."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from bookings import api as bookings_api
from bookings import signin_api
from bookings.api import participants as participants_api
from einvoicing import api as einvoicing_api
from guides import api as guides_api
from invoicing import api as invoicing_api
from itineraries import api as itineraries_api
from itineraries import sites_api
from legal import api as legal_api
from payments import api as payments_api
from procurement import api as procurement_api
from procurement import delivery_api
from resources import api as resources_api
from resources import contributions_api, pictures_api
from visits import api as visits_api
from visits import certificates_api, rebooking_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# Each resource is served by the app that owns its model, registered once. Sub-resources that a
# higher app owns are routed below, before the router; fields a higher app adds to an answer
# come through the owner's extension points (docs/architecture.md, "Extension points").
router.register("themes", itineraries_api.ThemeViewSet, basename="theme")
router.register("sites", sites_api.SiteViewSet, basename="site")
router.register("itineraries", itineraries_api.ItineraryViewSet, basename="itinerary")
router.register("departures", itineraries_api.DepartureViewSet, basename="departure")
router.register("bookings", bookings_api.BookingViewSet, basename="booking")
router.register("guides", guides_api.GuideViewSet, basename="guide")
router.register("invoices", invoicing_api.InvoiceViewSet, basename="invoice")
router.register("quotes", procurement_api.QuoteViewSet, basename="quote")
router.register("resources", resources_api.ResourceViewSet, basename="resource")
router.register("pictures", pictures_api.PictureViewSet, basename="picture")

urlpatterns = [
    # The open data of the map's sites (itineraries/sites_api.py): stable file URLs.
    path("sites.geojson", sites_api.SitesGeoJSONView.as_view(), name="sites-geojson"),
    path("sites.csv", sites_api.SitesCSVView.as_view(), name="sites-csv"),
    path(
        "quotes/<str:number>/quote.pdf",
        procurement_api.QuoteViewSet.as_view({"get": "pdf"}),
        name="quote-pdf",
    ),
    path(
        "quotes/<str:number>/training-agreement.pdf",
        procurement_api.QuoteViewSet.as_view({"get": "training_agreement"}),
        name="quote-training-agreement",
    ),
    path(
        "quotes/<str:number>/documents/<str:sha256>.pdf",
        procurement_api.QuoteViewSet.as_view({"get": "document"}),
        name="quote-document",
    ),
    path(
        "quotes/<str:number>/delivery.pdf",
        delivery_api.QuoteDeliveryPdfView.as_view(),
        name="quote-delivery-pdf",
    ),
    # A booking's delivered visit and its certificate of delivery (procurement).
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/delivery/$",
        delivery_api.BookingDeliveryView.as_view(),
        name="booking-delivery",
    ),
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/delivery\.pdf$",
        delivery_api.BookingDeliveryPdfView.as_view(),
        name="booking-delivery-pdf",
    ),
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
    # An itinerary's availability by day (bookings).
    path(
        "itineraries/<slug:slug>/availability/",
        bookings_api.ItineraryAvailabilityView.as_view(),
        name="itinerary-availability",
    ),
    # A booking's named participants and its self-registration link (bookings).
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/participants/$",
        participants_api.BookingParticipantsView.as_view(),
        name="booking-participants",
    ),
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/registration-link/$",
        participants_api.RegistrationLinkView.as_view(),
        name="booking-registration-link",
    ),
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/registration/$",
        participants_api.SelfRegistrationView.as_view(),
        name="booking-registration",
    ),
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/registration/(?P<pk>[0-9]{1,12})/$",
        participants_api.SelfRegistrationEntryView.as_view(),
        name="booking-registration-entry",
    ),
    # A booking's certificates of attendance, and their public check by code (visits).
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/certificates/$",
        certificates_api.BookingCertificatesView.as_view(),
        name="booking-certificates",
    ),
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/sign-in-sheet\.pdf$",
        certificates_api.BookingSignInSheetPdfView.as_view(),
        name="booking-sign-in-sheet-pdf",
    ),
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/certificates\.pdf$",
        certificates_api.BookingCertificatesPdfView.as_view(),
        name="booking-certificates-pdf",
    ),
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/certificates/(?P<code>[A-Za-z0-9-]{1,20})\.pdf$",
        certificates_api.BookingCertificatePdfView.as_view(),
        name="booking-certificate-pdf",
    ),
    re_path(
        r"^certificates/(?P<code>[A-Za-z0-9-]{1,40})/$",
        certificates_api.CertificateVerifyView.as_view(),
        name="certificate-verify",
    ),
    # A cancelled departure's group moves to another date in one step (visits).
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/rebook/$",
        rebooking_api.BookingRebookView.as_view(),
        name="booking-rebook",
    ),
    # Card payment and offline payments of a booking (payments).
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/checkout/$",
        payments_api.BookingCheckoutView.as_view(),
        name="booking-checkout",
    ),
    re_path(
        r"^bookings/(?P<reference>VA-[A-Z0-9]{6})/payments/$",
        payments_api.BookingPaymentsView.as_view(),
        name="booking-payments",
    ),
    # What guides know about departures (guides).
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
    # The guide's day: manifests and check-in (visits).
    path("guides/me/visits/", visits_api.MyVisitsView.as_view(), name="guide-my-visits"),
    # The departure's printable manifest, for its guides and staff (visits).
    path(
        "departures/<int:departure>/manifest.pdf",
        visits_api.DepartureManifestPdfView.as_view(),
        name="departure-manifest-pdf",
    ),
    path(
        "guides/me/visits/<int:departure>/check-ins/",
        visits_api.MyCheckInsView.as_view(),
        name="guide-my-check-ins",
    ),
    # Invoice files and the accounting export, before the router (no trailing slash).
    path(
        "invoices/export.csv",
        invoicing_api.InvoiceViewSet.as_view({"get": "export"}),
        name="invoice-export",
    ),
    # Correcting an invoice the portal rejected (einvoicing owns deliveries).
    path(
        "invoices/<str:number>/delivery/correction/",
        einvoicing_api.DeliveryCorrectionView.as_view(),
        name="invoice-delivery-correction",
    ),
    path(
        "invoices/<str:number>/delivery/completion/",
        einvoicing_api.DeliveryCompletionView.as_view(),
        name="invoice-delivery-completion",
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
    # "My bookings": a contact signed in by an e-mailed link (bookings/signin.py).
    path("my-bookings/", signin_api.MyBookingsView.as_view(), name="my-bookings"),
    path(
        "my-bookings/sign-in/",
        signin_api.SignInRequestView.as_view(),
        name="my-bookings-sign-in",
    ),
    path("my-bookings/session/", signin_api.SessionView.as_view(), name="my-bookings-session"),
    path(
        "my-bookings/<str:reference>/organiser-link/",
        signin_api.OrganiserLinkView.as_view(),
        name="my-bookings-organiser-link",
    ),
    path("contact/", legal_api.ContactMessageView.as_view(), name="contact"),
    # Residents' contributions to the map (resources/contributions.py).
    path("contributions/", contributions_api.ContributionsView.as_view(), name="contributions"),
    path(
        "contributions/confirm/",
        contributions_api.ContributionConfirmView.as_view(),
        name="contribution-confirm",
    ),
    path(
        "contributions/withdraw/",
        contributions_api.ContributionWithdrawView.as_view(),
        name="contribution-withdraw",
    ),
    path(
        "pictures/<int:pk>/<int:width>.webp",
        pictures_api.PictureFileView.as_view(),
        name="picture-file",
    ),
    path(
        "contributions/<int:pk>/photo.webp",
        contributions_api.ContributionPhotoView.as_view(),
        name="contribution-photo",
    ),
    # What Chorus Pro says of a buyer's SIRET (einvoicing).
    path(
        "public-buyers/<str:siret>/",
        einvoicing_api.PublicBuyerView.as_view(),
        name="public-buyer",
    ),
    *router.urls,
]
