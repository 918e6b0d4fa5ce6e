from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "upstream.sla"
    label = "sla"
    verbose_name = "SLA"
