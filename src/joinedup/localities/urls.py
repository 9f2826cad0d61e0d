from django.urls import path

from joinedup.localities import views

app_name = "localities"

urlpatterns = [
    path("", views.places, name="places"),
    path("forums/<slug:slug>/", views.forum, name="forum"),
    path("priorities/", views.priorities, name="priorities"),
    path("operations/<slug:slug>/", views.operation, name="operation"),
]
