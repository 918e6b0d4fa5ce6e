from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "upstream.core"
    label = "core"
