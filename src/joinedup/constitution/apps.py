from django.apps import AppConfig


class ConstitutionConfig(AppConfig):
    name = "joinedup.constitution"
    verbose_name = "Constitution and information sharing"
