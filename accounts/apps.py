from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与组织"

    def ready(self) -> None:
        # Admin login failures are counted for the lockout (accounts/security.py).
        from . import security  # noqa: F401
