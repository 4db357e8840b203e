"""Every HTML form that fails validation is shown again with what was typed.

One case per form view: invalid data is posted and the page must come back (no
redirect) with each typed value in it. Forms without typed input are listed at the
end with the reason they are not cases here.
"""

import re
from html import escape

import pytest
from django.urls import reverse

from incidents import services as incident_services
from pathways.models import Pathway
from tests.factories import (
    AssessmentFactory,
    CohortFactory,
    IncidentFactory,
    LabFactory,
    MembershipFactory,
    ModuleFactory,
    PathwayFactory,
    QuestionBankFactory,
    QuestionFactory,
    RoleFactory,
    SkillFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(learner, author, manager, django_capture_on_commit_callbacks):
    from tests.assessments.test_reviews_labs_certs import _rubric_attempt

    role = RoleFactory(slug="sre", name="SRE")
    skill = SkillFactory(name="SLOs")
    published = PathwayFactory(role=role, title="SRE track")
    draft = PathwayFactory(role=role, slug="draft-track", status=Pathway.Status.DRAFT)
    module = ModuleFactory(pathway=draft, slug="m1")
    team = TeamFactory(slug="sre-team", managers=[manager])
    person = MembershipFactory(team=team, job_role="sre").user
    MembershipFactory(team=team, user=learner, job_role="sre")
    cohort = CohortFactory(sponsor=manager)
    bank = QuestionBankFactory()
    question = QuestionFactory(bank=bank)
    incident = IncidentFactory(team=team)
    exercise = incident_services.exercise_draft_create(incident=incident, created_by=author)
    AssessmentFactory()
    v = {"slug": draft.slug, "version": draft.version}
    return {
        "learner": learner,
        "author": author,
        "manager": manager,
        "skill": skill,
        "published": published,
        "draft": draft,
        "v": v,
        "module": module,
        "team": team,
        "person": person,
        "cohort": cohort,
        "bank": bank,
        "question": question,
        "exercise": exercise,
        "lab": LabFactory(module=module, slug="lab-1"),
        "rubric_attempt": _rubric_attempt(UserFactory(), django_capture_on_commit_callbacks),
        "published_lab": LabFactory(
            module=ModuleFactory(pathway=published, slug="pm1"),
            slug="published-lab",
            artifact_schema="drift-alert-runbook",
        ),
    }


def _cases(w):
    v, mod = w["v"], {**w["v"], "module_slug": w["module"].slug}
    return {
        "self-assessment": (
            "learner",
            reverse("pathways:self_assess"),
            {"skill": w["skill"].pk, "level": "9", "note": "Typed self note"},
            ["Typed self note"],
        ),
        "skill rating": (
            "manager",
            reverse("pathways:person_rate", args=[w["person"].pk]),
            {
                "skill": w["skill"].pk,
                "level": "3",
                "source": "manager",
                "note": "Typed evidence note",
                "evidence_url": "not a link typed",
            },
            ["Typed evidence note", "not a link typed"],
        ),
        "team enrolment": (
            "manager",
            reverse("pathways:team_enrol", args=[w["team"].slug]),
            {"pathway": w["published"].pk, "started_on": "31/31/2031"},
            ["31/31/2031"],
        ),
        "cohort proposal": (
            "manager",
            reverse("pathways:cohort_propose"),
            {"name": "Typed cohort name", "start_date": "not-a-date", "pathways": ""},
            ["Typed cohort name", "not-a-date"],
        ),
        "cohort edit": (
            "manager",
            reverse("pathways:cohort_edit", args=[w["cohort"].pk]),
            {"name": "Typed cohort edit", "start_date": "bad-date-2"},
            ["Typed cohort edit", "bad-date-2"],
        ),
        "role": (
            "author",
            reverse("pathways:author_role_create"),
            {"name": "Typed role name", "slug": "Bad Slug!"},
            ["Typed role name", "Bad Slug!"],
        ),
        "skill": (
            "author",
            reverse("pathways:author_skill_create"),
            {"name": "Typed skill name", "slug": "Bad Slug 2!"},
            ["Typed skill name", "Bad Slug 2!"],
        ),
        "pathway": (
            "author",
            reverse("pathways:author_pathway_create"),
            {"title": "Typed pathway", "slug": "Bad Slug 3!", "kind": "track"},
            ["Typed pathway", "Bad Slug 3!"],
        ),
        "pathway edit": (
            "author",
            reverse("pathways:author_pathway_edit", kwargs=v),
            {"title": "Typed pathway edit", "kind": "track", "duration_weeks": "abc"},
            ["Typed pathway edit", "abc"],
        ),
        "module": (
            "author",
            reverse("pathways:author_module_create", kwargs=v),
            {
                "title": "Typed module",
                "slug": "typed-module",
                "week_start": "1",
                "week_end": "2",
                "objectives": "Only one typed objective",
                "content": "Typed module content",
            },
            ["Typed module", "Only one typed objective", "Typed module content"],
        ),
        "lab": (
            "author",
            reverse("pathways:author_lab_create", kwargs=mod),
            {"title": "Typed lab", "slug": "Bad Slug 4!", "instructions": "Typed steps"},
            ["Typed lab", "Bad Slug 4!", "Typed steps"],
        ),
        "capstone": (
            "author",
            reverse("pathways:author_capstone_create", kwargs=v),
            {"title": "Typed capstone", "slug": "Bad Slug 5!", "brief": "Typed brief"},
            ["Typed capstone", "Bad Slug 5!", "Typed brief"],
        ),
        "outcome": (
            "author",
            reverse("pathways:author_outcome_create", kwargs=v),
            {"kpi_key": "Bad Key!", "description": "Typed outcome"},
            ["Bad Key!"],
        ),
        "question bank": (
            "author",
            reverse("assessments:bank_create"),
            {"name": "Typed bank", "slug": "Bad Slug 6!"},
            ["Typed bank", "Bad Slug 6!"],
        ),
        "assessment": (
            "author",
            reverse("assessments:assessment_create"),
            {
                "title": "Typed assessment",
                "slug": "Bad Slug 7!",
                "kind": "quiz",
                "pass_mark": "170",
                "description": "Typed description",
            },
            ["Typed assessment", "Bad Slug 7!", "170", "Typed description"],
        ),
        "question (GIFT)": (
            "author",
            reverse("assessments:question_edit", args=[w["question"].pk]),
            {"gift": "::Typed:: A broken question {"},
            ["::Typed:: A broken question {"],
        ),
        "GIFT import": (
            "author",
            reverse("assessments:gift_import", args=[w["bank"].pk]),
            {"text": "::Typed import:: Broken {=a ~b", "action": "preview"},
            ["::Typed import:: Broken {=a ~b"],
        ),
        "incident import": (
            "manager",
            reverse("incidents:import"),
            {"format": "json", "source": "Typed source", "timezone": "Typed/Zone"},
            ["Typed source", "Typed/Zone"],
        ),
        "training rule": (
            "author",
            reverse("incidents:training_map"),
            {"failure_mode": "not-a-mode", "factor": "typed-factor", "note": "Typed rule"},
            ["typed-factor", "Typed rule"],
        ),
        "exercise": (
            "author",
            reverse("incidents:exercise_edit", args=[w["exercise"].pk]),
            {"title": "", "instructions": "Typed exercise steps"},
            ["Typed exercise steps"],
        ),
        "rubric review": (
            "author",
            reverse("assessments:review", args=[w["rubric_attempt"].pk]),
            {"comment": "Typed review comment"},
            ["Typed review comment"],
        ),
        "check my file": (
            "learner",
            reverse("assessments:lab_check_file", args=[w["published_lab"].pk]),
            {"artifact_text": "owners: typed-but-broken"},
            ["owners: typed-but-broken"],
        ),
        "sign in": (
            None,
            reverse("login"),
            {"username": "typed@example.test", "password": "wrong"},
            ["typed@example.test"],
        ),
        "password reset": (
            None,
            reverse("password_reset"),
            {"email": "typed-not-an-email"},
            ["typed-not-an-email"],
        ),
    }


CASES = [
    "self-assessment",
    "skill rating",
    "team enrolment",
    "cohort proposal",
    "cohort edit",
    "role",
    "skill",
    "pathway",
    "pathway edit",
    "module",
    "lab",
    "capstone",
    "outcome",
    "question bank",
    "assessment",
    "question (GIFT)",
    "GIFT import",
    "incident import",
    "training rule",
    "exercise",
    "rubric review",
    "check my file",
    "sign in",
    "password reset",
]


@pytest.mark.parametrize("case", CASES)
def test_invalid_form_is_shown_again_with_what_was_typed(client, world, case):
    persona, url, data, typed = _cases(world)[case]
    if persona:
        client.force_login(world[persona])
    response = client.post(url, data)
    assert response.status_code in (200, 400), (case, response.status_code)
    html = response.content.decode()
    for value in typed:
        assert escape(value) in html or value in html, (case, value)


def test_every_case_is_listed():
    assert len(set(CASES)) == len(CASES) == 24


# Not cases, and why: "Add teams" to a cohort, the member actions and "Mark as done"
# post checkboxes or hidden fields only (nothing typed); notification preferences are
# checkboxes; the dashboards' filters are GET forms that keep their query string; the
# password forms never send a password back to the page (by design); the attempt page
# saves every answer as it is typed; the matrix editor (selects only) is tested below.


def _selected(html: str, name: str) -> str:
    """The selected option of the <select name=…> in `html`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


def test_the_skills_matrix_editor_keeps_what_was_chosen(client, author):
    from tests.cohorts.test_views import _formset_data
    from tests.factories import RoleSkillFactory

    role = RoleFactory(slug="sre")
    cell = RoleSkillFactory(role=role, skill=SkillFactory(), criticality=3)
    client.force_login(author)
    # minimums that fall from day 30 (4) to day 60 (2): refused
    data = _formset_data(role, [(cell, [5, 2, 3, 4, 5, 4, 2, 3], False)])
    response = client.post(reverse("pathways:matrix_role", args=["sre"]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Minimums must not fall" in html
    chosen = [_selected(html, f"cells-0-{n}") for n in ("criticality", "min_day30", "min_day60")]
    assert chosen == ["5", "4", "2"]
    assert _selected(html, "role-exposure") == "4"
