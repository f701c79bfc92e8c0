from django.urls import path, re_path

from frontend.views import shell

urlpatterns = [
    path("", shell, name="home"),
    re_path(r"^itineraries/[-a-z0-9]+/?$", shell, name="itinerary-page"),
    re_path(r"^bookings/VA-[A-Z0-9]{6}/?$", shell, name="booking-page"),
    path("guide/", shell, name="guide-page"),
]
