from django.urls import path

from joinedup.public import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("strategy/", views.strategy, name="strategy"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/<slug:slug>/", views.indicator, name="indicator"),
    path("indicators/<slug:slug>/map/", views.indicator_map, name="indicator-map"),
    path("indicators/<slug:slug>/<slug:name>.<str:fmt>", views.indicator_table_download,
         name="indicator-table"),
    path("maps/", views.maps, name="maps"),
    path("packs/", views.packs, name="packs"),
    path("packs/<int:pk>/download/", views.pack_download, name="pack-download"),
    path("data/datapackage.json", views.descriptor, name="datapackage"),
    path("data/public-data.zip", views.package_zip, name="package-zip"),
    path("data/<slug:name>.<str:fmt>", views.table_download, name="table"),
]
