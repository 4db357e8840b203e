from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self) -> None:
        from pathways.catalogue.references import assessment_support_register

        from .catalogue import CatalogueAssessments

        assessment_support_register(CatalogueAssessments())
