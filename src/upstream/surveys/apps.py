from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "upstream.surveys"
    verbose_name = "Surveys"
