from django.apps import AppConfig


class LrsConfig(AppConfig):
    name = "lrs"
    verbose_name = "xAPI Learning Record Store"
    default_auto_field = "django.db.models.BigAutoField"
