from django.urls import path

from joinedup.strategy import views

app_name = "strategy"

urlpatterns = [
    path("themes/", views.themes, name="themes"),
    path("themes/<slug:slug>/", views.theme, name="theme"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/<slug:slug>/", views.indicator, name="indicator"),
]
