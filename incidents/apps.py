from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        from .connectors import secrets  # noqa: F401  (registers the secrets-key checks)
