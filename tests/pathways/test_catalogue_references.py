"""References in catalogue files resolve: skills, roles, KPI keys, filters, failure modes.

An unknown name is an error at its file:line and nothing is written."""

import io

import pytest
from django.core.management import CommandError, call_command

from pathways.catalogue.importer import CATALOGUE_DIR, catalogue_check, read_sources
from pathways.exceptions import CatalogueError, PathwayError
from pathways.models import Pathway, PathwayOutcome, Skill
from pathways.services import catalogue_load, outcome_save

from .test_catalogue_files import GOOD, ROLES, SKILLS

OUTCOMES = """\
outcomes:
  - kpi_key: incident_count
    description: Fewer incidents caused by bad inputs
    target_change_pct: -30
    filters: {failure_mode: pipeline-failure}
  - kpi_key: mttr
    description: Resolved faster
    target_change_pct: -20
"""


def with_outcomes(outcomes: str) -> str:
    return GOOD.replace("modules:\n", outcomes + "modules:\n", 1)


def test_unknown_filter_and_unknown_skill_are_refused_with_their_lines(db):
    # given a track whose outcome filters on a failure mode that does not exist and
    # whose module teaches a skill that does not exist
    bad = with_outcomes(OUTCOMES).replace("{tracing: 3}", "{nope: 3}")

    # when it is loaded
    with pytest.raises(CatalogueError) as caught:
        catalogue_load(sources=[("skills.yaml", SKILLS), ("roles.yaml", ROLES), ("bad.yaml", bad)])

    # then both problems are reported at their lines and nothing is written
    assert [str(i) for i in caught.value.issues] == [
        "bad.yaml:12: outcomes[0].filters.failure_mode: unknown failure mode "
        "'pipeline-failure'; known: hallucination, prompt-injection, data-leak, drift, "
        "bad-input-data, unsafe-output, capacity, cost-overrun, bad-deployment, "
        "dependency-outage, other",
        "bad.yaml:24: modules[0].skills.nope: unknown skill 'nope'",
    ]
    assert (Skill.objects.count(), Pathway.objects.count(), PathwayOutcome.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (
            "  - kpi_key: mean_time_to_fix\n    description: x\n",
            "bad.yaml:9: outcomes[0].kpi_key: unknown KPI 'mean_time_to_fix'",
        ),
        (
            "  - kpi_key: mttr\n    description: x\n    filters: {team: sre}\n",
            "bad.yaml:11: outcomes[0].filters.team: unknown filter 'team'; "
            "use severity, ai_related, failure_mode",
        ),
        (
            "  - kpi_key: mttr\n    description: x\n    filters: {severity: SEV9}\n",
            "bad.yaml:11: outcomes[0].filters.severity: unknown severity 'SEV9'",
        ),
        (
            "  - kpi_key: mttr\n    description: x\n    filters: {ai_related: maybe}\n",
            "bad.yaml:11: outcomes[0].filters.ai_related: ai_related is true, false or any.",
        ),
        (
            "  - kpi_key: completion_by_role\n    description: x\n"
            "    filters: {failure_mode: drift}\n",
            "bad.yaml:11: outcomes[0].filters.failure_mode: completion_by_role is a training "
            "KPI and takes no incident filter",
        ),
    ],
)
def test_every_kind_of_outcome_reference_is_checked(db, outcome, expected):
    with pytest.raises(CatalogueError) as caught:
        catalogue_load(
            sources=[
                ("skills.yaml", SKILLS),
                ("roles.yaml", ROLES),
                ("bad.yaml", with_outcomes("outcomes:\n" + outcome)),
            ]
        )
    assert str(caught.value.issues[0]).startswith(expected)
    assert Pathway.objects.count() == 0


def test_unknown_role_is_refused_with_its_line(db):
    bad = GOOD.replace("role: sre", "role: wizard")
    with pytest.raises(CatalogueError) as caught:
        catalogue_load(sources=[("skills.yaml", SKILLS), ("roles.yaml", ROLES), ("bad.yaml", bad)])
    assert [str(i) for i in caught.value.issues] == ["bad.yaml:6: role: unknown role 'wizard'"]


def test_valid_filters_load(db):
    good = with_outcomes(
        "outcomes:\n  - kpi_key: incident_count\n    description: AI incidents down\n"
        "    filters: {ai_related: true, failure_mode: 'drift,hallucination', severity: SEV1}\n"
    )
    catalogue_load(sources=[("skills.yaml", SKILLS), ("roles.yaml", ROLES), ("ok.yaml", good)])
    assert PathwayOutcome.objects.get().filters == {
        "ai_related": True,
        "failure_mode": "drift,hallucination",
        "severity": "SEV1",
    }


def test_the_built_in_catalogue_resolves_without_the_database():
    assert catalogue_check(sources=read_sources(CATALOGUE_DIR)) == []


def test_catalogue_schema_check_fails_on_a_reference_that_does_not_resolve(tmp_path):
    (tmp_path / "skills.yaml").write_text(SKILLS)
    (tmp_path / "roles.yaml").write_text(ROLES)
    (tmp_path / "bad.yaml").write_text(with_outcomes(OUTCOMES))
    with pytest.raises(CommandError) as caught:
        call_command(
            "catalogue_schema", "--check", "--catalogue", str(tmp_path), stdout=io.StringIO()
        )
    assert str(caught.value).splitlines()[:2] == [
        "1 problem(s):",
        f"{tmp_path}/bad.yaml:12: outcomes[0].filters.failure_mode: unknown failure mode "
        "'pipeline-failure'; known: hallucination, prompt-injection, data-leak, drift, "
        "bad-input-data, unsafe-output, capacity, cost-overrun, bad-deployment, "
        "dependency-outage, other",
    ]


def test_the_outcome_editor_refuses_an_unknown_failure_mode(db):
    pathway = Pathway.objects.create(slug="p", version=1, title="P", duration_weeks=10)
    with pytest.raises(PathwayError, match="unknown failure mode 'policy-violation'"):
        outcome_save(
            pathway=pathway,
            kpi_key="incident_count",
            description="x",
            filters={"failure_mode": "policy-violation"},
        )
    assert PathwayOutcome.objects.count() == 0
