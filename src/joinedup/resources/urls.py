from django.urls import path

from joinedup.resources import views

app_name = "resources"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("lines/", views.lines, name="lines"),
    path("lines.<str:fmt>", views.lines_download, name="lines-download"),
    path("template.<str:fmt>", views.template_download, name="template"),
    path("pools/<slug:slug>/", views.pool, name="pool"),
    path("allocations/", views.allocations, name="allocations"),
    path("allocations/compare/", views.compare, name="compare"),
    path("performance/", views.against_performance, name="performance"),
]
