from django.apps import AppConfig


class ApprenticeshipsConfig(AppConfig):
    name = "apprenticeships"
    verbose_name = "师徒带教"

    def ready(self) -> None:
        # Evidence that arrives by itself: approved runs and published contest results.
        from . import receivers  # noqa: F401
