from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    name = "upstream.portability"
    verbose_name = "Export and import"
