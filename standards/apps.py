from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = "标准与实操点"

    def ready(self) -> None:
        # Signal receivers that keep the scan cache honest when anything it holds changes.
        from . import scan_cache  # noqa: F401
