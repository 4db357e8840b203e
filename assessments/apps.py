from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self) -> None:
        from pathways.catalogue.references import assessment_support_register

        from .catalogue import CatalogueAssessments

        assessment_support_register(CatalogueAssessments())
        self._invalidate_pages()

    @staticmethod
    def _invalidate_pages() -> None:
        """Which modules and labs a published check completes shows on the learner's
        pages (cached under `pathways.page_cache` stamps): a saved check bumps them."""
        from django.db.models.signals import post_delete, post_save

        from pathways import page_cache

        from .models import Assessment

        def changed(**kwargs: object) -> None:
            page_cache.catalogue_changed()

        for signal in (post_save, post_delete):
            signal.connect(changed, sender=Assessment, weak=False, dispatch_uid="assessments.pages")
