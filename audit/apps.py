from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "访问日志"

    def ready(self) -> None:
        # Admin logins and failures, role grants: recorded when lower apps and Django tell.
        from . import receivers  # noqa: F401
