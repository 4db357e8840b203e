from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from org.api import schema  # noqa: F401  (registers the schema extension)

        from . import principal
        from .audit import on_user_login_failed

        principal.connect()

        # Django's own hook for failed sign-ins (login page and API token alike).
        user_login_failed.connect(on_user_login_failed, dispatch_uid="org.audit.login_failed")
