""" "My learning" is rendered from fragments cached under version stamps: every write to
what the page shows is on the next render, and a cache outage computes the page."""

import re

import pytest
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from pathways.models import CertificationAward, Lab
from pathways.progress import services
from tests.factories.org import MembershipFactory, TeamFactory
from tests.factories.pathways import (
    CertificationFactory,
    CohortFactory,
    CohortMemberFactory,
    EnrollmentFactory,
    SkillFactory,
)
from tests.utils import count_queries

from .factories import pathway_with_modules

URL = reverse("pathways:learn")


@pytest.fixture
def enrolled(client, learner):
    pathway = pathway_with_modules(3, slug="sre")
    EnrollmentFactory(user=learner, pathway=pathway)
    client.force_login(learner)
    return pathway


def _page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _completed(html: str) -> str:
    return re.search(r"Completed (\d+ of \d+)", html).group(1)


def test_a_repeat_render_is_served_from_the_cache(client, enrolled):
    first = _page(client)
    used, response = count_queries(lambda: client.get(URL))

    # session, user, personas, unread notifications: nothing of the page itself
    assert used <= 4
    strip = re.compile(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"')
    assert strip.sub("", response.content.decode()) == strip.sub("", first)


def test_progress_the_learner_marks_shows_on_the_next_render(client, learner, enrolled):
    assert _completed(_page(client)) == "0 of 6"
    module = enrolled.modules.order_by("order").first()

    services.progress_mark_by_learner(user_id=learner.pk, module=module, status="done")

    assert _completed(_page(client)) == "1 of 6"


def test_progress_marked_in_bulk_shows_on_the_next_render(client, learner, enrolled):
    _page(client)
    lab = Lab.objects.select_related("module").filter(module__pathway=enrolled).first()

    services.progress_mark_many([(learner.pk, "done", lab.module, lab)])

    assert _completed(_page(client)) == "1 of 6"


def test_a_rating_from_elsewhere_shows_on_the_next_render(client, learner, enrolled):
    skill = SkillFactory(name="Capacity planning")
    row = f'id="skill-{skill.slug}"'
    assert row not in _page(client)

    services.rating_create(person=learner, skill=skill, level=4, source="assessment")

    assert row in _page(client)


def test_catalogue_changes_show_on_the_next_render(client, enrolled):
    module = enrolled.modules.order_by("order").first()
    _page(client)

    module.title = "Renamed module"
    module.save()
    assert "Renamed module" in _page(client)


def test_cohort_team_and_certification_changes_show(client, learner, enrolled):
    _page(client)
    cohort = CohortFactory(name="Spring intake")
    CohortMemberFactory(cohort=cohort, user=learner, pathway=enrolled)
    assert "cohort Spring intake" in _page(client)

    cohort.name = "Autumn intake"
    cohort.save()
    assert "cohort Autumn intake" in _page(client)

    MembershipFactory(user=learner, team=TeamFactory(name="Search"))
    assert "in Search." in _page(client)

    award_name = "Incident command"
    CertificationAward.objects.create(
        certification=CertificationFactory(name=award_name), user=learner
    )
    assert award_name in _page(client)


def test_a_cache_outage_computes_the_page(client, enrolled, monkeypatch):
    from config import stamps

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("down")

    monkeypatch.setattr(stamps.cache, "get_many", unreachable)
    monkeypatch.setattr(stamps.cache, "set_many", unreachable)

    assert _completed(_page(client)) == "0 of 6"
    assert _completed(_page(client)) == "0 of 6"
