from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "pathways"

    def ready(self) -> None:
        from org import principal

        from . import page_cache

        page_cache.connect()
        # Read with the signed-in user: the learner pages' fragments need no second read.
        if page_cache.request_stamps not in principal.REQUEST_STAMPS:
            principal.REQUEST_STAMPS.append(page_cache.request_stamps)
