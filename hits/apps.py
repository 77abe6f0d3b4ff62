from django.apps import AppConfig


class HitsConfig(AppConfig):
    name = "hits"
    verbose_name = "Captured hits"

    def ready(self) -> None:
        from django.core import checks

        from hits.checks import check_body_search_limit

        checks.register(check_body_search_limit)
