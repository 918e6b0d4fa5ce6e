from django.apps import AppConfig


class SuccessConfig(AppConfig):
    name = "upstream.success"
    verbose_name = "Customer success"
