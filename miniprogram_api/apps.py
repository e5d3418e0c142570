from django.apps import AppConfig


class MiniprogramApiConfig(AppConfig):
    name = "miniprogram_api"
    verbose_name = "小程序接口"
