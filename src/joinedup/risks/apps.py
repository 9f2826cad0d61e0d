from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "joinedup.risks"
    verbose_name = "Risks and actions"

    def ready(self):
        from joinedup.risks import signals  # noqa: F401  (re-propose likelihoods after runs)
