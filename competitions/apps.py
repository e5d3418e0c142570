from django.apps import AppConfig


class CompetitionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "competitions"
    verbose_name = "技能比武"

    def ready(self) -> None:
        # Judges drawn from the expert roster take their seat when they confirm.
        from . import receivers  # noqa: F401
