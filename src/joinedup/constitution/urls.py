from django.urls import path

from joinedup.constitution import views

app_name = "constitution"

urlpatterns = [
    path("", views.index, name="index"),
    path("charter/", views.charter, name="charter"),
    path("charter/<int:pk>/", views.entry, name="entry"),
    path("bodies/<slug:slug>/", views.body, name="body"),
    path("bodies/<slug:slug>/<slug:kind>/new/", views.write, name="write"),
    path("bodies/<slug:slug>/<slug:kind>/<int:number>/", views.version, name="version"),
]
