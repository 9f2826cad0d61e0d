from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "joinedup.maintenance"
    verbose_name = "Maintenance"
