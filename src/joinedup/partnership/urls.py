from django.urls import path

from joinedup.partnership import views

app_name = "partnership"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("bodies/<slug:slug>/", views.body, name="body"),
]
