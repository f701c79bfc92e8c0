from django.urls import path

from bench import views

urlpatterns = [
    path("json", views.bare_json),
    path("book/<int:departure_id>", views.bare_lock_count_insert),
]
