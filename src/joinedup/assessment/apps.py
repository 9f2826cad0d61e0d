from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "joinedup.assessment"
    verbose_name = "Assessment"

    def ready(self):
        from joinedup.assessment import signals  # noqa: F401  (re-assess when values change)
