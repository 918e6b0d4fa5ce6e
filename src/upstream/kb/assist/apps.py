from django.apps import AppConfig


class AssistConfig(AppConfig):
    name = "upstream.kb.assist"
    label = "kb_assist"
    verbose_name = "Knowledge assistance"
