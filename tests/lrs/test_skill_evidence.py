"""Statements from an external tool become skill evidence (source xAPI) through mappings."""

import pytest

from pathways.models import SkillRating
from pathways.xapi_evidence import xapi_mapping_create
from tests.assessments.factories import SkillFactory

pytestmark = pytest.mark.django_db

PASSED = "http://adlnet.gov/expapi/verbs/passed"


def lab_statement(email: str, activity: str, verb: str = PASSED) -> dict:
    return {
        "actor": {"mbox": f"mailto:{email}"},
        "verb": {"id": verb},
        "object": {"id": activity},
        "timestamp": "2026-11-02T10:00:00Z",
    }


def test_matching_statements_from_outside_become_ratings_once(
    learner, xapi, django_capture_on_commit_callbacks
):
    # given an author's mapping: passing any rollback scenario of the lab platform → level 3
    skill = SkillFactory()
    xapi_mapping_create(
        verb_id=PASSED,
        activity_pattern="https://labs.example.com/scenarios/rollback-*",
        skill=skill,
        level=3,
    )
    matching = lab_statement(learner.email, "https://labs.example.com/scenarios/rollback-canary")
    other_activity = lab_statement(learner.email, "https://labs.example.com/scenarios/dns")
    other_verb = lab_statement(
        learner.email,
        "https://labs.example.com/scenarios/rollback-db",
        verb="http://adlnet.gov/expapi/verbs/attempted",
    )
    stranger = lab_statement("nobody@example.com", "https://labs.example.com/scenarios/rollback-x")

    # when the lab platform sends them (and sends the first again under the same id)
    with django_capture_on_commit_callbacks(execute=True):
        [first, *_] = xapi.post(
            "statements", [matching, other_activity, other_verb, stranger]
        ).json()
    with django_capture_on_commit_callbacks(execute=True):
        assert xapi.post("statements", {**matching, "id": first}).status_code == 200

    # then exactly one rating: the learner, that skill, level 3, source xAPI
    ratings = list(SkillRating.objects.all())
    assert [(r.person_id, r.skill_id, r.level, r.source) for r in ratings] == [
        (learner.pk, skill.pk, 3, "xapi")
    ]
    assert ratings[0].source_ref == f"xapi:{first}"
    assert ratings[0].evidence_url == "https://labs.example.com/scenarios/rollback-canary"
    assert ratings[0].rated_at.isoformat() == "2026-11-02T10:00:00+00:00"
