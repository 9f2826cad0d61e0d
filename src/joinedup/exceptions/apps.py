from django.apps import AppConfig


class ExceptionsConfig(AppConfig):
    name = "joinedup.exceptions"
    verbose_name = "Exceptions and decisions"

    def ready(self):
        from joinedup.exceptions import signals  # noqa: F401  (keep exceptions in step with flags)
