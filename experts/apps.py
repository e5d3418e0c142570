from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "experts"
    verbose_name = "专家库"
