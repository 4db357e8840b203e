from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from org import access
from org.models import Membership, Team, User


def test_seed_demo_is_idempotent_and_has_the_fixed_logins(db):
    call_command("seed_demo")
    counts = (User.objects.count(), Team.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Team.objects.count(), Membership.objects.count()) == counts
    assert counts[0] >= 30
    assert set(Team.objects.values_list("slug", flat=True)) == {
        "sre",
        "data-eng",
        "ml-platform",
        "ai-product",
    }

    homes = {}
    for persona in ("learner", "author", "manager", "admin"):
        user = authenticate(
            RequestFactory().post("/accounts/login/"),
            username=f"{persona}@demo.example",
            password="trellis-demo",
        )
        assert user is not None, persona
        homes[persona] = access.home_persona(user)
    assert homes == {
        "learner": "learner",
        "author": "author",
        "manager": "manager",
        "admin": "admin",
    }
    managers = User.objects.filter(managed_teams__isnull=False).distinct()
    assert managers.count() == 2
