from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "joinedup.resources"
    verbose_name = "Resources"
