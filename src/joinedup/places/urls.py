from django.urls import path

from joinedup.places import views

app_name = "places"

urlpatterns = [
    path("", views.areas, name="areas"),
    path("<str:code>/", views.area, name="area"),
]
