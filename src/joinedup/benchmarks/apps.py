from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "joinedup.benchmarks"
    verbose_name = "Statistical neighbours and benchmarks"
