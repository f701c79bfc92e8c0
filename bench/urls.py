from django.urls import path

from bench import views

urlpatterns = [
    path("json", views.bare_json),
    path("book/<int:departure_id>", views.bare_lock_count_insert),
    path("programme/<str:reference>.pdf", views.bare_programme_pdf),
    path("invoice/<str:number>.pdf", views.bare_invoice_pdf),
    path("feed/<int:guide_id>.ics", views.bare_guide_feed),
    path("bump/<str:namespace>", views.bump_namespace),
]
