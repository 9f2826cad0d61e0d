from django.urls import path

from joinedup.exceptions import views

app_name = "exceptions"

urlpatterns = [
    path("triage/", views.triage, name="triage"),
    path("finance/", views.budget_exceptions, name="budget"),
    path("<int:pk>/", views.exception, name="exception"),
    path("<int:pk>/commentary/", views.commentary, name="commentary"),
    path("<int:pk>/spc-chart.svg", views.chart, {"kind": "spc"}, name="spc-chart"),
    path("<int:pk>/forecast-chart.svg", views.chart, {"kind": "forecast"}, name="forecast-chart"),
]
