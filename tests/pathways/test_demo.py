from django.core.management import call_command

from org.models import User
from pathways.models import Enrollment, Module, Pathway


def test_seed_demo_loads_the_catalogue_and_enrols_the_demo_learner_once(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Pathway.objects.count(), Module.objects.count(), Enrollment.objects.count())

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (Pathway.objects.count(), Module.objects.count(), Enrollment.objects.count()) == counts
    learner = User.objects.get(email="learner@demo.example")
    enrollment = Enrollment.objects.get(user=learner)
    assert (enrollment.pathway.slug, enrollment.pathway.version, enrollment.status) == (
        "sre",
        1,
        "active",
    )
    assert Pathway.objects.filter(status="published").count() == 11
