"""The curriculum API: reads for everyone signed in, writes for authors."""

import pytest
import yaml
from openapi_spec_validator import validate

from pathways.models import Enrollment, Lab, Module, Pathway, Role, Skill
from tests.utils import count_queries

from .factories import (
    EnrollmentFactory,
    ModuleFactory,
    PathwayFactory,
    RoleFactory,
    SkillFactory,
    pathway_with_modules,
)


def test_list_items_carry_the_catalogue_fields(api_client, learner):
    role = RoleFactory(slug="sre", name="SRE")
    pathway = PathwayFactory(
        slug="sre", title="SRE for AI", role=role, duration_weeks=11, summary="S", primary_goal="G"
    )
    ModuleFactory.create_batch(3, pathway=pathway)
    PathwayFactory(slug="sre", version=2, role=role, status="draft")
    api_client.force_authenticate(learner)

    body = api_client.get("/api/v1/pathways/").json()

    assert body["count"] == 1
    assert body["results"] == [
        {
            "slug": "sre",
            "title": "SRE for AI",
            "kind": "track",
            "role": "sre",
            "duration_weeks": 11,
            "version": 1,
            "status": "published",
            "module_count": 3,
            "primary_goal": "G",
            "summary": "S",
            "published_at": pathway.published_at.isoformat().replace("+00:00", "Z"),
        }
    ]


def test_list_filters_by_role_and_authors_can_list_drafts(api_client, learner, author):
    PathwayFactory(slug="a", role=RoleFactory(slug="sre"))
    PathwayFactory(slug="b", role=RoleFactory(slug="data"))
    PathwayFactory(slug="b", version=2, role=Role.objects.get(slug="data"), status="draft")
    api_client.force_authenticate(learner)
    by_role = api_client.get("/api/v1/pathways/", {"role": "data"}).json()["results"]
    assert [(p["slug"], p["version"]) for p in by_role] == [("b", 1)]
    # A learner asking for drafts still gets the catalogue.
    asked = api_client.get("/api/v1/pathways/", {"status": "draft"}).json()["results"]
    assert {p["status"] for p in asked} == {"published"}

    api_client.force_authenticate(author)
    drafts = api_client.get("/api/v1/pathways/", {"status": "draft"}).json()["results"]
    assert [(p["slug"], p["version"], p["status"]) for p in drafts] == [("b", 2, "draft")]


def test_detail_nests_outcomes_modules_skills_labs_and_capstones(api_client, learner):
    pathway = pathway_with_modules(1, slug="sre")
    module = pathway.modules.get()
    lab = module.labs.get()
    skill = lab.skills.get()
    api_client.force_authenticate(learner)

    body = api_client.get("/api/v1/pathways/sre/").json()

    assert body["module_count"] == 1
    assert body["enrolled_version"] is None
    assert body["outcomes"] == [
        {
            "kpi_key": "mttm",
            "description": "Mitigate faster",
            "target_change_pct": "-40.00",
            "target_value": None,
            "window_days": 90,
            "filters": {"failure_mode": "hallucination"},
        }
    ]
    assert body["modules"] == [
        {
            "slug": module.slug,
            "order": 1,
            "title": module.title,
            "week_start": 1,
            "week_end": 1,
            "pillar": "observability",
            "objectives": ["Explain the thing.", "Do the thing."],
            "content": "Some **markdown**.",
            "skills": [{"skill": skill.slug, "target_level": 3}],
            "labs": [
                {
                    "slug": lab.slug,
                    "order": lab.order,
                    "title": lab.title,
                    "instructions": "Build it.",
                    "deliverables": ["A dashboard"],
                    "checklist": ["Units on every panel"],
                    "artifact_schema": "",
                    "skills": [skill.slug],
                }
            ],
        }
    ]
    assert body["capstones"][0]["rubric"] == [
        {"criterion": "Tests", "description": "", "levels": [{"label": "Ok", "points": 1}]}
    ]


def test_versions_in_the_api(api_client, learner, author):
    PathwayFactory(slug="sre", title="One")
    PathwayFactory(slug="sre", version=2, title="Two", status="draft")
    api_client.force_authenticate(learner)
    assert api_client.get("/api/v1/pathways/sre/", {"version": 2}).status_code == 404
    assert api_client.get("/api/v1/pathways/sre/", {"version": "x"}).status_code == 404
    assert api_client.get("/api/v1/pathways/nope/").status_code == 404

    api_client.force_authenticate(author)
    assert api_client.get("/api/v1/pathways/sre/").json()["title"] == "One"
    assert api_client.get("/api/v1/pathways/sre/", {"version": 2}).json()["title"] == "Two"


# --- acceptance 6: constant queries --------------------------------------------------------


def test_detail_queries_do_not_grow_with_modules(api_client, learner):
    pathway_with_modules(5, slug="small")
    large = pathway_with_modules(50, slug="large")
    EnrollmentFactory(user=learner, pathway=large)
    api_client.force_authenticate(learner)

    few, small = count_queries(lambda: api_client.get("/api/v1/pathways/small/"))
    many, big = count_queries(lambda: api_client.get("/api/v1/pathways/large/"))

    assert (len(small.json()["modules"]), len(big.json()["modules"])) == (5, 50)
    assert big.json()["enrolled_version"] == 1
    assert few == many


def test_list_queries_do_not_grow_with_pathways(api_client, learner):
    for index in range(3):
        pathway_with_modules(2, slug=f"p{index}")
    api_client.force_authenticate(learner)
    few, _ = count_queries(lambda: api_client.get("/api/v1/pathways/"))
    for index in range(3, 20):
        pathway_with_modules(2, slug=f"p{index}")
    many, response = count_queries(lambda: api_client.get("/api/v1/pathways/"))
    assert response.json()["count"] == 20
    assert few == many


# --- permissions ----------------------------------------------------------------------

WRITES = [
    ("post", "/api/v1/pathways/", {"title": "Sneaky", "duration_weeks": 12}),
    ("patch", "/api/v1/pathways/sre/", {"title": "Changed"}),
    ("post", "/api/v1/pathways/sre/drafts/", {}),
    ("post", "/api/v1/pathways/sre/publish/", {}),
    (
        "post",
        "/api/v1/pathways/sre/modules/",
        {"title": "M", "week_start": 1, "week_end": 1, "objectives": ["a", "b"]},
    ),
    ("put", "/api/v1/pathways/sre/module-order/", {"slugs": []}),
    ("post", "/api/v1/roles/", {"name": "Hacker"}),
    ("patch", "/api/v1/roles/sre/", {"name": "Changed"}),
    ("post", "/api/v1/skills/", {"name": "Lockpicking", "pillar": "security"}),
    ("patch", "/api/v1/skills/tracing/", {"name": "Changed"}),
]


def _state() -> tuple:
    return (
        list(Pathway.objects.values_list("slug", "version", "title", "status")),
        Module.objects.count(),
        list(Role.objects.values_list("slug", "name")),
        list(Skill.objects.values_list("slug", "name")),
    )


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_learners_get_403_on_writes_and_nothing_changes(api_client, learner, method, url, body):
    pathway_with_modules(1, slug="sre", role=RoleFactory(slug="sre"))
    SkillFactory(slug="tracing")
    before = _state()
    api_client.force_authenticate(learner)

    response = getattr(api_client, method)(url, body, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only authors (L&D admins) may change this."}
    assert _state() == before


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_anonymous_callers_get_401(api_client, db, method, url, body):
    response = getattr(api_client, method)(url, body, format="json")
    assert response.status_code == 401
    assert not Pathway.objects.exists()


@pytest.mark.parametrize(
    "url", ["/api/v1/pathways/", "/api/v1/pathways/sre/", "/api/v1/roles/", "/api/v1/skills/"]
)
def test_anonymous_reads_get_401(api_client, db, url):
    assert api_client.get(url).status_code == 401


# --- authors writing ------------------------------------------------------------------


def test_author_builds_and_publishes_a_pathway_through_the_api(api_client, author, learner):
    RoleFactory(slug="sre")
    SkillFactory(slug="tracing")
    api_client.force_authenticate(author)

    created = api_client.post(
        "/api/v1/pathways/",
        {"title": "Tracing for SREs", "role": "sre", "duration_weeks": 10},
        format="json",
    )
    assert created.status_code == 201
    assert (created.json()["slug"], created.json()["status"]) == ("tracing-for-sres", "draft")
    base = "/api/v1/pathways/tracing-for-sres"
    for title in ("Spans", "Sampling"):
        response = api_client.post(
            f"{base}/modules/",
            {
                "title": title,
                "week_start": 1,
                "week_end": 2,
                "objectives": ["Know it", "Do it"],
                "skills": [{"skill": "tracing", "target_level": 3}],
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    lab = api_client.post(
        f"{base}/modules/spans/labs/",
        {"title": "Trace a request", "deliverables": ["A trace"], "skills": ["tracing"]},
        format="json",
    )
    assert lab.status_code == 201
    assert lab.json()["skills"] == ["tracing"]
    reordered = api_client.put(
        f"{base}/module-order/", {"slugs": ["sampling", "spans"]}, format="json"
    )
    assert [m["slug"] for m in reordered.json()["modules"]] == ["sampling", "spans"]
    patched = api_client.patch(base + "/", {"summary": "All about traces."}, format="json")
    assert patched.json()["summary"] == "All about traces."

    published = api_client.post(f"{base}/publish/")

    assert published.status_code == 200
    assert (published.json()["status"], published.json()["version"]) == ("published", 1)
    api_client.force_authenticate(learner)
    listed = api_client.get("/api/v1/pathways/").json()["results"]
    assert [(p["slug"], p["module_count"]) for p in listed] == [("tracing-for-sres", 2)]


def test_domain_errors_are_400s(api_client, author):
    pathway_with_modules(1, slug="sre")
    api_client.force_authenticate(author)

    no_draft = api_client.post("/api/v1/pathways/sre/publish/")
    assert no_draft.status_code == 400
    assert no_draft.json() == {
        "detail": "sre has no draft: POST /api/v1/pathways/sre/drafts/ to start one."
    }

    draft = api_client.post("/api/v1/pathways/sre/drafts/")
    assert (draft.status_code, draft.json()["version"]) == (201, 2)
    late = api_client.post(
        "/api/v1/pathways/sre/modules/",
        {"title": "Late", "week_start": 12, "week_end": 13, "objectives": ["a", "b"]},
        format="json",
    )
    assert late.status_code == 400
    assert late.json() == {"week_end": ["The pathway lasts 12 weeks; week 13 is past its end."]}
    too_long = api_client.patch("/api/v1/pathways/sre/", {"duration_weeks": 14}, format="json")
    assert too_long.status_code == 400
    assert too_long.json() == {"duration_weeks": ["A role track lasts 10 to 12 weeks."]}
    assert Module.objects.filter(pathway__version=2).count() == 1


def test_module_put_and_delete_on_the_draft(api_client, author):
    published = pathway_with_modules(2, slug="sre")
    first = published.modules.order_by("order").first()
    api_client.force_authenticate(author)
    api_client.post("/api/v1/pathways/sre/drafts/")

    updated = api_client.put(
        f"/api/v1/pathways/sre/modules/{first.slug}/",
        {
            "title": "Renamed",
            "slug": first.slug,
            "week_start": 1,
            "week_end": 3,
            "objectives": ["x", "y"],
        },
        format="json",
    )
    deleted = api_client.delete(f"/api/v1/pathways/sre/modules/{first.slug}/")

    assert (updated.status_code, updated.json()["title"], updated.json()["week_end"]) == (
        200,
        "Renamed",
        3,
    )
    assert deleted.status_code == 204
    assert Module.objects.filter(pathway=published).count() == 2
    assert Module.objects.filter(pathway__version=2).count() == 1
    assert Lab.objects.filter(module__pathway__version=2).count() == 1


def test_enrol_through_the_api(api_client, learner):
    pathway_with_modules(1, slug="sre")
    api_client.force_authenticate(learner)
    first = api_client.post("/api/v1/pathways/sre/enrol/")
    second = api_client.post("/api/v1/pathways/sre/enrol/")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["pathway"] == "sre" and first.json()["version"] == 1
    assert Enrollment.objects.count() == 1
    assert api_client.post("/api/v1/pathways/nope/enrol/").status_code == 404


def test_roles_and_skills_endpoints(api_client, author, learner):
    api_client.force_authenticate(author)
    skill = api_client.post(
        "/api/v1/skills/",
        {"name": "Tracing", "pillar": "observability", "kind": "skill"},
        format="json",
    )
    assert skill.status_code == 201
    assert skill.json() == {
        "slug": "tracing",
        "name": "Tracing",
        "pillar": "observability",
        "kind": "skill",
        "description": "",
    }
    role = api_client.post(
        "/api/v1/roles/",
        {
            "name": "Site reliability",
            "slug": "sre",
            "exposure": 4,
            "career_ladder": [{"career_level": "junior", "title": "SRE I"}],
        },
        format="json",
    )
    assert role.status_code == 201
    assert role.json()["career_ladder"] == [
        {"career_level": "junior", "title": "SRE I", "summary": "", "expectations": []}
    ]
    patched = api_client.patch("/api/v1/roles/sre/", {"influence": 5}, format="json")
    assert (patched.json()["influence"], patched.json()["exposure"]) == (5, 4)
    renamed = api_client.patch("/api/v1/skills/tracing/", {"name": "Tracing 2"}, format="json")
    assert renamed.json()["name"] == "Tracing 2"

    api_client.force_authenticate(learner)
    assert [r["slug"] for r in api_client.get("/api/v1/roles/").json()["results"]] == ["sre"]
    assert api_client.get("/api/v1/roles/sre/").json()["skills"] == []
    skills = api_client.get("/api/v1/skills/", {"pillar": "observability"}).json()["results"]
    assert [s["slug"] for s in skills] == ["tracing"]
    assert api_client.get("/api/v1/skills/nope/").status_code == 404


def test_role_detail_lists_role_skills(api_client, learner, catalogue):
    api_client.force_authenticate(learner)
    body = api_client.get("/api/v1/roles/ai-engineer/").json()
    assert body["skills"][0] == {
        "skill": "production-python",
        "skill_name": "Production Python",
        "criticality": 5,
        "level_junior": 3,
        "level_mid": 3,
        "level_senior": 4,
        "level_principal": 5,
        "min_day30": 2,
        "min_day60": 3,
        "min_day90": 3,
    }
    assert [step["title"] for step in body["career_ladder"]] == [
        "AI engineer I",
        "AI engineer II",
        "Senior AI engineer",
        "Staff / principal AI engineer",
    ]


def test_schema_stays_valid_and_documents_the_curriculum_api(client, db):
    spec = yaml.safe_load(client.get("/api/schema/").content)
    validate(spec)
    for path in (
        "/api/v1/pathways/",
        "/api/v1/pathways/{slug}/",
        "/api/v1/pathways/{slug}/publish/",
        "/api/v1/pathways/{slug}/modules/{module_slug}/labs/",
        "/api/v1/roles/{slug}/",
        "/api/v1/skills/",
    ):
        assert path in spec["paths"], path
    listing = spec["paths"]["/api/v1/pathways/"]["get"]["responses"]["200"]["content"]
    assert listing["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedPathwayListOutputList"
    }
    item = spec["components"]["schemas"]["PathwayListOutput"]["properties"]
    assert {"slug", "title", "role", "duration_weeks", "version", "status", "module_count"} <= set(
        item
    )
