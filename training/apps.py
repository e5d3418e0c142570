from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "线上培训与认证考核"

    def ready(self) -> None:
        # Practice lessons are completed by approved procedure runs.
        from . import receivers  # noqa: F401
