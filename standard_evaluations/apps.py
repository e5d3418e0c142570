from django.apps import AppConfig


class StandardEvaluationsConfig(AppConfig):
    name = "standard_evaluations"
    verbose_name = "标准实施评价"

    def ready(self) -> None:
        # Experts drawn from the roster for a campaign's panel take their seat when they confirm.
        from . import receivers  # noqa: F401
