from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"

    def ready(self) -> None:
        from pathways.catalogue.references import vocabulary_register

        from . import okr_stamp
        from .references import MetricsVocabulary

        vocabulary_register(MetricsVocabulary())
        okr_stamp.connect()
