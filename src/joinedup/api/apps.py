from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "joinedup.api"
    verbose_name = "REST API"
