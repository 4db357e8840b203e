"""Curriculum as files: the shipped catalogue, load_catalogue, export_pathway, the schema."""

import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db.models import Max

from pathways.catalogue import SCHEMA_FILE, exporter
from pathways.catalogue.importer import CATALOGUE_DIR, read_sources
from pathways.catalogue.schema import DOCUMENT_MODELS, json_schema_text
from pathways.exceptions import CatalogueError
from pathways.models import (
    Capstone,
    Certification,
    Lab,
    Module,
    ModuleSkill,
    Pathway,
    PathwayOutcome,
    Role,
    RoleSkill,
    Skill,
)
from pathways.services import catalogue_load

SIX_TRACKS = {
    "sre",
    "data-engineer",
    "ml-engineer",
    "model-operations",
    "prompt-engineering",
    "ai-risk-assessment",
}
DEMO_JOB_ROLES = {
    "sre",
    "data-engineer",
    "ml-engineer",
    "ai-engineer",
    "prompt-engineer",
    "model-operator",
    "ai-risk-assessor",
    "support-admin",
    "manager",
}
MODELS = [
    Skill,
    Role,
    RoleSkill,
    Pathway,
    PathwayOutcome,
    Module,
    ModuleSkill,
    Lab,
    Capstone,
    Certification,
]


def snapshot() -> dict:
    """Everything the catalogue writes: row counts, last update, and every pathway's document."""
    pathways = exporter.pathway_prefetch(Pathway.objects.order_by("slug", "version"))
    return {
        "counts": {m.__name__: m.objects.count() for m in MODELS},
        "updated_at": Pathway.objects.aggregate(m=Max("updated_at"))["m"],
        "documents": [exporter.document_data(exporter.pathway_to_document(p)) for p in pathways],
        "skills": exporter.document_data(exporter.skills_document()),
        "roles": exporter.document_data(exporter.roles_document()),
        "certifications": exporter.document_data(exporter.certifications_document()),
    }


def run_load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_catalogue", *args, stdout=out)
    return out.getvalue()


# --- acceptance 1: the shipped catalogue ------------------------------------------------


def test_shipped_catalogue_yields_six_published_role_tracks_and_loads_idempotently(db):
    output = run_load()
    assert output.strip() == "Catalogue loaded: 87 created, 0 updated, 0 unchanged."

    published = Pathway.objects.filter(status=Pathway.Status.PUBLISHED)
    tracks = {p.slug: p for p in published.filter(kind=Pathway.Kind.TRACK)}
    assert set(tracks) >= SIX_TRACKS
    for pathway in tracks.values():
        assert 10 <= pathway.duration_weeks <= 12, pathway.slug
        assert pathway.role is not None, pathway.slug
    for module in Module.objects.all():
        assert len(module.objectives) >= 2, (module.pathway.slug, module.slug)
        assert module.week_end <= module.pathway.duration_weeks

    # The three seed-000 pathways carry their labs and outcome KPIs.
    kpis = {
        slug: list(tracks[slug].outcomes.order_by("order").values_list("kpi_key", flat=True))
        for slug in ("sre", "data-engineer", "ml-engineer")
    }
    assert kpis == {
        "sre": ["incident_count", "mttm", "mttd"],
        "data-engineer": ["cleanup_hours", "mttd", "incident_count"],
        "ml-engineer": ["rollback_rate", "incident_count", "cleanup_hours", "first_pass_sla_rate"],
    }
    mttm = tracks["sre"].outcomes.get(kpi_key="mttm")
    assert (mttm.target_change_pct, mttm.window_days, mttm.filters) == (
        -40,
        90,
        {"failure_mode": "hallucination"},
    )
    labs = {
        slug: sorted(
            Lab.objects.filter(module__pathway=tracks[slug]).values_list("slug", flat=True)
        )
        for slug in ("sre", "data-engineer", "ml-engineer")
    }
    assert labs == {
        "sre": [
            "drift-triggered-rollback",
            "hallucination-runbook",
            "model-endpoint-telemetry",
            "staging-war-game",
        ],
        "data-engineer": ["embedding-similarity-gate", "inference-lineage-report", "leak-tabletop"],
        "ml-engineer": [
            "drift-alarm-runbook",
            "postmortem-to-curriculum",
            "prompt-tests-in-ci",
            "rag-with-review-gate",
        ],
    }
    before = snapshot()

    second = run_load()

    assert second.strip() == "Catalogue loaded: 0 created, 0 updated, 87 unchanged."
    assert snapshot() == before


def test_shipped_catalogue_covers_roles_skills_libraries_and_certifications(catalogue):
    assert set(Role.objects.values_list("slug", flat=True)) >= DEMO_JOB_ROLES
    assert set(Skill.objects.values_list("kind", flat=True)) == {"knowledge", "skill", "behaviour"}
    ai_engineer = Role.objects.get(slug="ai-engineer")
    assert [step["career_level"] for step in ai_engineer.career_ladder] == [
        "junior",
        "mid",
        "senior",
        "principal",
    ]
    critical = set(
        ai_engineer.role_skills.filter(criticality=5).values_list("skill__slug", flat=True)
    )
    assert critical == {
        "production-python",
        "software-engineering-fundamentals",
        "applied-ml-evaluation",
        "sql-data-wrangling",
        "model-serving",
    }
    libraries = Pathway.objects.filter(kind=Pathway.Kind.LIBRARY, status="published")
    assert set(libraries.values_list("slug", flat=True)) == {
        "ai-lifecycle",
        "cross-role-simulations",
        "ai-engineer-role-kit",
        "manager-change-kit",
    }
    assert Module.objects.filter(pathway__slug="ai-lifecycle").count() == 9
    assert set(
        Lab.objects.filter(module__pathway__slug="cross-role-simulations").values_list(
            "module__slug", flat=True
        )
    ) == {"tabletop-exercise", "postmortem-workshop", "war-game"}
    on_call = Module.objects.get(pathway__slug="ml-engineer", slug="pipelines-drift-on-call")
    assert on_call.labs.get().artifact_schema == "drift-alert-runbook"
    assert set(
        Lab.objects.exclude(artifact_schema="").values_list("artifact_schema", flat=True)
    ) == {
        "drift-alert-runbook",
        "prompt-test-suite",
    }
    rubric = Capstone.objects.get(slug="support-prompt-library").rubric
    assert [c["criterion"] for c in rubric] == [
        "Clarity",
        "Grounding",
        "Safety",
        "Completeness",
        "Format compliance",
    ]
    names = set(Certification.objects.values_list("name", flat=True))
    assert {
        "Prompt Engineering Practitioner",
        "Observability Specialist",
        "MLOps Gatekeeper",
    } <= names
    gatekeeper = Certification.objects.get(slug="mlops-gatekeeper")
    assert gatekeeper.criteria == {
        "assessments": [],
        "labs": ["prompt-tests-in-ci", "rag-with-review-gate", "drift-alarm-runbook"],
        "capstone": "observable-rag-feature",
        "capstone_min_score": 75,
    }


# --- acceptance 2: export then load is lossless -----------------------------------------


def test_export_then_load_is_lossless_for_every_shipped_pathway(catalogue, tmp_path):
    slugs = list(Pathway.objects.order_by("slug").values_list("slug", flat=True))
    assert len(slugs) == 11
    exported = {}
    for slug in slugs:
        target = tmp_path / f"{slug}.yaml"
        call_command("export_pathway", slug, "--output", str(target), stderr=io.StringIO())
        exported[slug] = target.read_text()
    # The export says exactly what the source file says.
    for name, text in read_sources(CATALOGUE_DIR / "pathways"):
        source = yaml.safe_load(text)
        model = DOCUMENT_MODELS[source["kind"]]
        again = yaml.safe_load(exported[source["slug"]])
        assert model.model_validate(again) == model.model_validate(source), name
    before = snapshot()["documents"]

    Pathway.objects.all().delete()
    assert Module.objects.count() == 0
    result = catalogue_load(sources=read_sources(tmp_path))

    assert len(result.created) == 11
    assert snapshot()["documents"] == before
    for slug in slugs:
        out = io.StringIO()
        call_command("export_pathway", slug, stdout=out)
        assert out.getvalue() == exported[slug]


def test_export_pathway_picks_a_version_and_reports_unknown_slugs(catalogue):
    out = io.StringIO()
    call_command("export_pathway", "sre", "--pathway-version", "1", stdout=out)
    assert yaml.safe_load(out.getvalue())["version"] == 1
    with pytest.raises(CommandError, match=r"No pathway nope\."):
        call_command("export_pathway", "nope")
    with pytest.raises(CommandError, match=r"No pathway sre v7\."):
        call_command("export_pathway", "sre", "--pathway-version", "7")


# --- acceptance 3: malformed files ------------------------------------------------------

SKILLS = """\
kind: skills
skills:
  - slug: tracing
    name: Tracing
    pillar: observability
"""
ROLES = """\
kind: roles
roles:
  - slug: sre
    name: SRE
"""
GOOD = """\
kind: track
slug: small
version: 1
status: published
title: Small track
role: sre
duration_weeks: 12
modules:
  - slug: first
    title: First
    week_start: 1
    week_end: 2
    objectives:
      - One
      - Two
    skills: {tracing: 3}
    labs:
      - slug: lab-one
        title: Lab one
        skills: [tracing]
"""


def load_with(pathway_text: str) -> None:
    catalogue_load(
        sources=[("skills.yaml", SKILLS), ("roles.yaml", ROLES), ("bad.yaml", pathway_text)]
    )


def test_the_small_valid_document_loads(db):
    load_with(GOOD)
    pathway = Pathway.objects.get(slug="small")
    assert (pathway.status, pathway.modules.get().labs.get().slug) == ("published", "lab-one")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "duration_weeks: 12",
            "duration_weeks: twelve",
            [
                "bad.yaml:7: duration_weeks: Input should be a valid integer, "
                "unable to parse string as an integer"
            ],
            id="wrong type",
        ),
        pytest.param(
            "    objectives:\n      - One\n      - Two\n",
            "",
            ["bad.yaml:9: modules[0].objectives: required field is missing"],
            id="missing field",
        ),
        pytest.param(
            "duration_weeks: 12",
            "duration_weeks: 14",
            ["bad.yaml:7: duration_weeks: Input should be less than or equal to 12"],
            id="track longer than 12 weeks",
        ),
        pytest.param(
            "week_end: 2",
            "week_end: 13",
            ["bad.yaml:12: modules[0].week_end: week 13 is past the pathway's 12 weeks"],
            id="module weeks out of range",
        ),
        pytest.param(
            "skills: {tracing: 3}",
            "skills: {tracing: 3, telepathy: 2}",
            ["bad.yaml:16: modules[0].skills.telepathy: unknown skill 'telepathy'"],
            id="unknown skill on a module",
        ),
        pytest.param(
            "skills: [tracing]",
            "skills: [tracing, levitation]",
            ["bad.yaml:20: modules[0].labs[0].skills[1]: unknown skill 'levitation'"],
            id="unknown skill on a lab",
        ),
        pytest.param(
            "      - Two\n",
            "",
            [
                "bad.yaml:13: modules[0].objectives: List should have at least 2 items after "
                "validation, not 1"
            ],
            id="one objective",
        ),
        pytest.param(
            "title: Small track",
            "titel: Small track",
            [
                "bad.yaml:1: title: required field is missing",
                "bad.yaml:5: titel: unknown field (check the spelling)",
            ],
            id="misspelt field",
        ),
        pytest.param(
            "role: sre",
            "role: astronaut",
            ["bad.yaml:6: role: unknown role 'astronaut'"],
            id="unknown role",
        ),
        pytest.param(
            "kind: track",
            "kind: course",
            [
                "bad.yaml:1: kind: 'kind' must be one of: track, library, skills, roles, "
                "certifications, assessment"
            ],
            id="unknown kind",
        ),
        pytest.param(
            "title: Small track",
            "title: [Small track",
            ["bad.yaml:6: (document): YAML syntax error: expected ',' or ']', but got ':'"],
            id="YAML syntax",
        ),
    ],
)
def test_malformed_file_is_rejected_with_file_path_and_line_and_nothing_is_written(
    db, old, new, expected
):
    assert old in GOOD
    with pytest.raises(CatalogueError) as caught:
        load_with(GOOD.replace(old, new, 1))
    assert [str(issue) for issue in caught.value.issues] == expected
    # Nothing from any file of the load was written, not even the valid ones.
    assert {m.__name__: m.objects.count() for m in MODELS} == {m.__name__: 0 for m in MODELS}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n'
            + "".join(
                f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                for p, n in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            [
                "bomb.yaml:6: (document): YAML syntax error: aliases expand this document "
                "beyond 200,000 values"
            ],
            id="billion laughs",
        ),
        pytest.param(
            "kind: track\nslug: deep\nsummary: " + "[" * 5000 + "]" * 5000 + "\n",
            ["bomb.yaml: (document): the file is nested too deeply"],
            id="deep nesting",
        ),
    ],
)
def test_hostile_yaml_is_refused_quickly_and_nothing_is_written(db, text, expected):
    with pytest.raises(CatalogueError) as caught:
        catalogue_load(sources=[("bomb.yaml", text)])
    assert [str(issue) for issue in caught.value.issues] == expected
    assert {m.__name__: m.objects.count() for m in MODELS} == {m.__name__: 0 for m in MODELS}


def test_command_reports_every_problem_and_writes_nothing(db, tmp_path):
    (tmp_path / "skills.yaml").write_text(SKILLS)
    (tmp_path / "roles.yaml").write_text(ROLES)
    bad = GOOD.replace("duration_weeks: 12", "duration_weeks: 9").replace(
        "{tracing: 3}", "{nope: 3}"
    )
    (tmp_path / "pathway.yaml").write_text(bad)

    with pytest.raises(CommandError) as caught:
        run_load(str(tmp_path))

    message = str(caught.value)
    assert message == (
        "Nothing was loaded; 1 problem(s):\n"
        f"{tmp_path}/pathway.yaml:7: duration_weeks: Input should be greater than or equal to 10"
    )
    assert Skill.objects.count() == 0 and Role.objects.count() == 0


def test_cross_document_problems_are_all_reported_together(db):
    bad = GOOD.replace("{tracing: 3}", "{nope: 3}").replace("week_end: 2", "week_end: 13")
    certifications = """\
kind: certifications
certifications:
  - slug: small-cert
    name: Small cert
    pathway: small
    criteria:
      labs: [lab-one, lab-two]
      capstone: final
"""
    with pytest.raises(CatalogueError) as caught:
        catalogue_load(
            sources=[
                ("skills.yaml", SKILLS),
                ("roles.yaml", ROLES),
                ("bad.yaml", bad),
                ("certs.yaml", certifications),
            ]
        )
    assert [str(i) for i in caught.value.issues] == [
        "bad.yaml:12: modules[0].week_end: week 13 is past the pathway's 12 weeks",
        "bad.yaml:16: modules[0].skills.nope: unknown skill 'nope'",
        "certs.yaml:7: certifications[0].criteria.labs[1]: pathway 'small' has no lab 'lab-two'",
        "certs.yaml:8: certifications[0].criteria.capstone: "
        "pathway 'small' has no capstone 'final'",
    ]
    assert Pathway.objects.count() == 0 and Certification.objects.count() == 0


def test_duplicate_keys_are_reported_with_their_line(db):
    with pytest.raises(CatalogueError) as caught:
        load_with(GOOD.replace("title: Small track\n", "title: Small track\ntitle: Again\n"))
    assert [str(i) for i in caught.value.issues] == ["bad.yaml:6: title: duplicate key 'title'"]


# --- versions in files ------------------------------------------------------------------


def test_a_published_version_is_frozen_but_a_new_version_loads_and_archives_it(db):
    load_with(GOOD)
    v1 = Pathway.objects.get(slug="small", version=1)

    with pytest.raises(CatalogueError) as caught:
        load_with(GOOD.replace("title: First", "title: First, renamed"))
    assert [str(i) for i in caught.value.issues] == [
        "bad.yaml:3: version: small v1 is published and cannot change; "
        "give this file a new version number"
    ]
    assert Module.objects.get(pathway=v1).title == "First"

    load_with(GOOD.replace("version: 1", "version: 2").replace("title: First", "title: Better"))
    v1.refresh_from_db()
    assert v1.status == Pathway.Status.ARCHIVED
    v2 = Pathway.objects.get(slug="small", version=2)
    assert (v2.status, v2.modules.get().title) == ("published", "Better")


def test_a_draft_is_updated_in_place_and_keeps_its_row_ids(db):
    draft = GOOD.replace("status: published", "status: draft")
    load_with(draft)
    module = Module.objects.get(pathway__slug="small")

    result = catalogue_load(
        sources=[("bad.yaml", draft.replace("title: First", "title: First, clearer"))]
    )

    assert result.updated == ["pathway small v1"]
    module.refresh_from_db()
    assert module.title == "First, clearer"
    assert Module.objects.filter(pathway__slug="small").count() == 1

    catalogue_load(sources=[("bad.yaml", GOOD)])
    assert Pathway.objects.get(slug="small").status == Pathway.Status.PUBLISHED


def test_a_published_version_cannot_go_back_to_draft(db):
    load_with(GOOD)
    with pytest.raises(CatalogueError) as caught:
        catalogue_load(sources=[("bad.yaml", GOOD.replace("status: published", "status: draft"))])
    assert [str(i) for i in caught.value.issues] == [
        "bad.yaml:4: status: small v1 is already published"
    ]


def test_a_missing_path_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run_load(str(tmp_path / "missing.yaml"))


# --- the published JSON schema ----------------------------------------------------------


def test_published_json_schema_is_up_to_date():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema_text()
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["discriminator"]["propertyName"] == "kind"
    assert set(schema["discriminator"]["mapping"]) == {
        "track",
        "library",
        "skills",
        "roles",
        "certifications",
        "assessment",
    }
    track = schema["$defs"]["TrackDoc"]["properties"]["duration_weeks"]
    assert (track["minimum"], track["maximum"]) == (10, 12)


def test_catalogue_schema_command_checks_the_file():
    out = io.StringIO()
    call_command("catalogue_schema", "--check", stdout=out)
    assert out.getvalue().strip() == (
        f"{SCHEMA_FILE} is up to date; every catalogue reference resolves."
    )


def test_every_shipped_file_names_the_schema():
    for path in Path(CATALOGUE_DIR).rglob("*.yaml"):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=")[1]).resolve()
        assert target == SCHEMA_FILE, path


def test_the_schema_is_served_for_editors(client, db):
    response = client.get("/catalogue-schema.json")
    assert response["Content-Type"] == "application/schema+json"
    assert response.content.decode() == SCHEMA_FILE.read_text(encoding="utf-8")
