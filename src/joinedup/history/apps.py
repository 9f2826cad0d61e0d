from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "joinedup.history"
    verbose_name = "Change history"

    def ready(self):
        from joinedup.history import signals  # noqa: F401  (connects the recorders)
