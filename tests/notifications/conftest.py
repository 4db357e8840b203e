import datetime as dt

import pytest
from django.utils import timezone

from org.models import Membership, User
from pathways.models import Enrollment, Progress
from pathways.progress import services as progress_services
from tests.cohorts.factories import CohortFactory, RoleFactory, pathway_with_schedule
from tests.factories import TeamFactory, UserFactory

TODAY = timezone.localdate()


@pytest.fixture
def team_manager(db):
    return UserFactory(personas=["learner", "manager"], email="boss@example.test")


def cohort_of(
    manager, names: list[str], *, day: int, done: tuple[str, ...] = (), modules_done: int = 1
):
    """A team managed by `manager` whose people (e-mail local parts `names`) are enrolled
    in a cohort on programme day `day`. Modules are due on days 14, 28 and 56, one lab
    each; the people in `done` finished the first `modules_done` modules and their labs."""
    role = RoleFactory(slug="sre", name="Site reliability engineer")
    pathway = pathway_with_schedule(role, [(1, 2), (3, 4), (5, 8)], labs=1, title="SRE path")
    team = TeamFactory(managers=[manager])
    users = [
        User.objects.create_user(email=f"{n}@example.test", full_name=n.title()) for n in names
    ]
    Membership.objects.bulk_create([Membership(user=u, team=team, job_role="sre") for u in users])
    cohort = CohortFactory(
        pathways=[pathway], sponsor=manager, start_date=TODAY - dt.timedelta(days=day - 1)
    )
    progress_services.cohort_add_teams(cohort=cohort, teams=[team])
    progress_services.cohort_enrol(cohort=cohort)
    finished = Enrollment.objects.filter(user__email__in=[f"{n}@example.test" for n in done])
    for module in pathway.modules.filter(order__lte=modules_done):
        Progress.objects.bulk_create(
            [Progress(enrollment=e, module=module, status="done") for e in finished]
            + [Progress(enrollment=e, lab=module.labs.get(), status="done") for e in finished]
        )
    return cohort, users
