from django.urls import path

from joinedup.reviews import facts_views, views

app_name = "reviews"

urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("<int:pk>/", views.results, name="results"),
    path("<int:pk>/score/", views.score, name="score"),
    path("facts/", facts_views.facts, name="facts"),
    path("facts/meetings/<int:pk>/attendance/", facts_views.attendance, name="attendance"),
]
