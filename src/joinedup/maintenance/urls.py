from django.urls import path

from joinedup.maintenance.health import health

app_name = "maintenance"
urlpatterns = [path("", health, name="health")]
