from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "upstream.analytics"
    verbose_name = "Analytics"
