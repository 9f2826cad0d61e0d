from django.urls import path

from joinedup.returns import views

app_name = "returns"

urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("rounds/<slug:slug>/", views.round_detail, name="round"),
    path("rounds/<slug:slug>/enter/", views.enter, name="enter"),
    path("rounds/<slug:slug>/template.<str:fmt>", views.template_download, name="template"),
    path("upload/", views.upload_new, name="upload-new"),
    path("uploads/<int:pk>/", views.upload, name="upload"),
    path("figures/", views.my_values, name="values"),
    path("figures/<int:pk>/", views.value, name="value"),
    path("approvals/", views.approvals, name="approvals"),
    path("export.<str:fmt>", views.export_download, name="export"),
]
