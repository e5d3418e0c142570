from django.apps import AppConfig


class StandardEvaluationsConfig(AppConfig):
    name = "standard_evaluations"
    verbose_name = "标准实施评价"
