from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "pathways"

    def ready(self) -> None:
        from . import page_cache

        page_cache.connect()
