from django.apps import AppConfig


class HoursConfig(AppConfig):
    name = "upstream.hours"
    verbose_name = "Consulting hours"
