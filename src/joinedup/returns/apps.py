from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "joinedup.returns"
    verbose_name = "Returns"
