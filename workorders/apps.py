from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "workorders"
    verbose_name = "报修工单"

    def ready(self):
        from . import receivers  # noqa: F401  (corrective orders from failed steps; a run's orders)
