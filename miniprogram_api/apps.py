from django.apps import AppConfig


class MiniprogramApiConfig(AppConfig):
    name = "miniprogram_api"
    verbose_name = "小程序接口"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .append_only import allow_flush, register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="append_only_sqlite_function")
        allow_flush()
