from django.urls import path

from joinedup.risks import views

app_name = "risks"

urlpatterns = [
    path("", views.register, name="register"),
    path("<int:pk>/", views.risk, name="risk"),
    path("actions/", views.actions, name="actions"),
]
