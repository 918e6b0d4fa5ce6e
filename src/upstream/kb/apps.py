from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "upstream.kb"
    label = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        # The search module indexes what sources give it; the knowledge base contributes its published articles.
        from upstream.kb.search_source import register

        register()
