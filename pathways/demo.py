"""Demo data for the curriculum: the built-in catalogue, and the demo learner on the SRE track.

Idempotent: the catalogue load writes nothing when nothing changed, and enrolling
again keeps the existing enrollment.
"""

from org.demo import DEMO_DOMAIN
from org.models import User

from . import services
from .catalogue.importer import CATALOGUE_DIR, read_sources
from .models import Pathway

DEMO_ENROLLMENTS = [("learner", "sre")]


def seed_catalogue() -> None:
    services.catalogue_load(sources=read_sources(CATALOGUE_DIR))
    for local, slug in DEMO_ENROLLMENTS:
        user = User.objects.filter(email=f"{local}@{DEMO_DOMAIN}").first()
        pathway = (
            Pathway.objects.filter(slug=slug, status=Pathway.Status.PUBLISHED)
            .order_by("-version")
            .first()
        )
        if user is not None and pathway is not None:
            services.enrollment_create(user=user, pathway=pathway)
