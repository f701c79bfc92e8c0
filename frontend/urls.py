from django.urls import path, re_path

from frontend.contribute import contribute_form, contribute_link, contribute_path
from frontend.library import library, library_path
from frontend.views import service_worker, shell

# Each client-side route of the shell names the ES module of its page (main.js imports it when
# the route opens): the shell preloads that module and what it imports, nothing more.
urlpatterns = [
    path("", shell, {"page": "catalogue"}, name="home"),
    re_path(r"^itineraries/[-a-z0-9]+/?$", shell, {"page": "itinerary"}, name="itinerary-page"),
    re_path(r"^bookings/VA-[A-Z0-9]{6}/?$", shell, {"page": "bookingpage"}, name="booking-page"),
    re_path(r"^bookings/find/?$", shell, {"page": "links"}, name="find-booking-page"),
    # The participants' read-only page (bookings.links); its token stays in the query string.
    re_path(
        r"^bookings/VA-[A-Z0-9]{6}/visit/?$", shell, {"page": "links"}, name="booking-visit-page"
    ),
    # The self-registration page of a booking's participants (bookings/participants.py).
    re_path(
        r"^bookings/VA-[A-Z0-9]{6}/register/?$",
        shell,
        {"page": "participants"},
        name="booking-register-page",
    ),
    # "My bookings" (bookings/signin.py); the sign-in link's token stays in the query string.
    re_path(r"^my-bookings/?$", shell, {"page": "mybookings"}, name="my-bookings-page"),
    re_path(
        r"^my-bookings/sign-in/?$", shell, {"page": "mybookings"}, name="my-bookings-sign-in-page"
    ),
    # A quote's page for its buyer (procurement); the e-mail's token stays in the query string.
    re_path(r"^quotes/D[0-9]{4}-[0-9]{6}/?$", shell, {"page": "quotepage"}, name="quote-page"),
    # The guide page's service worker, at the root (docs/visits.md, the guide's day offline).
    path("sw.js", service_worker, name="service-worker"),
    path("guide/", shell, {"page": "guide"}, name="guide-page"),
    # The public map of the transition's sites (docs/map.md).
    re_path(r"^map/?$", shell, {"page": "publicmap"}, name="map-page"),
    # The check of a certificate of attendance's code, the address printed on it (visits).
    re_path(
        r"^certificates(?:/[A-Za-z0-9-]{1,40})?/?$",
        shell,
        {"page": "certificatecheck"},
        name="certificate-check-page",
    ),
    # The library of documents (resources), server-rendered like the contribution pages.
    *[
        path(library_path(lang).lstrip("/"), library, {"lang": lang}, name=f"library-{lang}")
        for lang in ("fr", "en")
    ],
    # Residents propose an installation; their e-mailed links confirm or withdraw it
    # (server-rendered, French at the root and English under /en/, frontend/contribute.py).
    *[
        path(
            contribute_path(lang).lstrip("/"),
            contribute_form,
            {"lang": lang},
            name=f"contribute-{lang}",
        )
        for lang in ("fr", "en")
    ],
    *[
        path(
            contribute_path(lang, step).lstrip("/"),
            contribute_link,
            {"lang": lang, "step": step},
            name=f"contribute-{step}-{lang}",
        )
        for lang in ("fr", "en")
        for step in ("confirm", "withdraw")
    ],
]
