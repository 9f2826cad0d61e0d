from django.urls import path

from joinedup.benchmarks import views

app_name = "benchmarks"

urlpatterns = [
    path("", views.index, name="index"),
    path("indicators/<slug:slug>/", views.indicator, name="indicator"),
    path("neighbours/<slug:slug>/", views.neighbours, name="neighbours"),
]
