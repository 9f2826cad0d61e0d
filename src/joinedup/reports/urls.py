from django.urls import path

from joinedup.reports import views

app_name = "reports"

urlpatterns = [
    path("bodies/<slug:slug>/packs/", views.packs, name="packs"),
    path("packs/<int:pk>/", views.pack, name="pack"),
    path("packs/<int:pk>/build/", views.rebuild, name="rebuild"),
    path("packs/<int:pk>/issue/", views.issue, name="issue"),
    path("packs/<int:pk>/download/", views.download, name="download"),
    path("packs/<int:pk>/public/", views.publish, name="publish"),
]
