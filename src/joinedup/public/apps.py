from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "joinedup.public"
    verbose_name = "Public transparency site"
