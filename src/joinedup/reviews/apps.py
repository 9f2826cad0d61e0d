from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "joinedup.reviews"
    verbose_name = "Partnership health: the 7S self-assessment and the facts of working together"
