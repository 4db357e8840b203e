from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from org.api import schema  # noqa: F401  (registers the schema extension)
