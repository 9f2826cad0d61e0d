from django.apps import AppConfig


class LocalitiesConfig(AppConfig):
    name = "joinedup.localities"
    verbose_name = "Places: forums' outcomes, residents' priorities and operations"
