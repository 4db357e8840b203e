"""Each seed document, walked as a checklist against the loaded built-in catalogue (and
the registries and demo content that carry it). A seed point that the product drops
shows up here as a failing line."""

from decimal import Decimal

import pytest

from assessments.demo import SCORECARD
from assessments.models import Assessment
from metrics.demo import OBJECTIVES
from metrics.registry import PROGRAM_METRICS, REGISTRY
from pathways.catalogue.importer import CATALOGUE_DIR, read_sources
from pathways.models import Capstone, Certification, Module, Pathway, Role, RoleSkill
from pathways.progress.rules import Phase
from pathways.services import catalogue_load


@pytest.fixture
def catalogue(db):
    catalogue_load(sources=read_sources(CATALOGUE_DIR))


def pathway(slug: str) -> Pathway:
    return Pathway.objects.filter(slug=slug, status="published").order_by("-version").first()


def outcomes(slug: str) -> dict[str, dict]:
    return {
        o.kpi_key: {"pct": o.target_change_pct, "value": o.target_value, "filters": o.filters}
        for o in pathway(slug).outcomes.all()
    }


def test_seed_000_role_pathways_labs_kpis_roi_and_okrs(catalogue):
    # three role pathways of 10–12 weeks, each with labs, a capstone and outcome KPIs
    for slug in ("sre", "data-engineer", "ml-engineer"):
        track = pathway(slug)
        assert 10 <= track.duration_weeks <= 12, slug
        assert Module.objects.filter(pathway=track, labs__isnull=False).exists(), slug
        assert track.outcomes.filter(target_change_pct__isnull=False).exists(), slug
    # SRE: AI-related incidents per quarter, MTTM for hallucinations −40 %, drift detection
    sre = outcomes("sre")
    assert sre["incident_count"]["filters"] == {"ai_related": True}
    assert sre["mttm"] == {
        "pct": Decimal("-40.00"),
        "value": None,
        "filters": {"failure_mode": "hallucination"},
    }
    assert sre["mttd"]["filters"] == {"failure_mode": "drift"}
    # ML: rollback rate and first-pass responses within SLA
    assert {"rollback_rate", "first_pass_sla_rate"} <= set(outcomes("ml-engineer"))
    # data engineers: cleanup hours, and bad input traced within 30 minutes
    data = outcomes("data-engineer")
    assert data["mttd"]["value"] == Decimal("1800.0000")
    assert data["cleanup_hours"]["filters"] == {"failure_mode": "bad-input-data"}
    # cross-role simulations and a capstone
    assert Module.objects.filter(pathway=pathway("cross-role-simulations")).count() == 3
    # micro-certifications
    assert Certification.objects.count() >= 6
    # the ROI metrics: incident frequency, MTTR/MTTM, rollback rate, cleanup hours,
    # feature throughput
    roi = {"incident_count", "mttr", "mttm", "rollback_rate", "cleanup_hours"}
    assert roi | {"feature_throughput"} <= set(REGISTRY)
    assert "feature_throughput" in {m.kpi_key for m in PROGRAM_METRICS}
    # the sample OKRs: two objectives of two key results each
    assert [len(krs) for _, _, krs in OBJECTIVES] == [2, 2]
    assert [kr[2] for kr in OBJECTIVES[0][2]] == ["cleanup_hours", "rollback_rate"]


def test_seed_001_clusters_matrix_phases_scorecard_and_metrics_table(catalogue):
    # four role clusters, each with a track or a kit
    clusters = {
        "model-operator": "model-operations",
        "prompt-engineer": "prompt-engineering",
        "ai-risk-assessor": "ai-risk-assessment",
        "manager": "manager-change-kit",
    }
    for role, slug in clusters.items():
        assert pathway(slug).role.slug == role, role
    assert Role.objects.get(slug="manager").cluster == "Leadership and change"
    assert pathway("manager-change-kit").modules.count() == 3
    # the 1–5 matrix with day-30/60/90 minimums that never go down
    rows = RoleSkill.objects.all()
    assert rows.count() > 20
    assert all(r.min_day30 <= r.min_day60 <= r.min_day90 for r in rows)
    assert {r.criticality for r in rows} <= {1, 2, 3, 4, 5}
    # days 1–30 / 31–60 / 61–90
    assert [Phase(p).days for p in (1, 2, 3)] == [(1, 30), (31, 60), (61, 90)]
    # the prompt scorecard's five criteria
    assert [c["criterion"] for c in SCORECARD] == [
        "Clarity",
        "Grounding",
        "Safety",
        "Completeness",
        "Format compliance",
    ]
    # the metrics table: five rows with an owner each
    assert len(PROGRAM_METRICS) >= 5 and all(m.owner for m in PROGRAM_METRICS)
    assert {m.kpi_key for m in PROGRAM_METRICS} >= {
        "completion_by_role",
        "prepost_gain",
        "prompt_quality_score",
        "governance_review_coverage",
    }


def test_seed_002_kpis_with_targets_milestones_and_interview_scorecard(catalogue):
    track = pathway("ai-engineer")
    assert track.duration_weeks == 12 and track.role.slug == "ai-engineer"
    # the three reliability KPIs Trellis measures from outside, with their targets
    ai = outcomes("ai-engineer")
    assert {k: ai[k]["value"] for k in ("p95_inference_latency", "inference_error_rate")} == {
        "p95_inference_latency": Decimal("300.0000"),
        "inference_error_rate": Decimal("0.0100"),
    }
    assert ai["pipeline_success_rate"]["value"] == Decimal("0.9800")
    for key in ("p95_inference_latency", "inference_error_rate", "pipeline_success_rate"):
        assert REGISTRY[key].family == "external" and REGISTRY[key].review, key
    # the full KPI table with example targets and review frequency
    kit = pathway("ai-engineer-role-kit")
    table = kit.modules.get(slug="kpis-and-review-cadence").content
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 19
    assert all(len(row.strip("|").split("|")) == 4 for row in rows)
    # 6- and 12-month milestones
    milestones = kit.modules.get(slug="six-and-twelve-month-milestones").objectives
    assert sum(m.startswith("By six months") for m in milestones) == 4
    assert sum(m.startswith("By twelve months") for m in milestones) == 4
    # the interview scorecard: six weighted dimensions adding up to 100
    scorecard = Capstone.objects.get(slug="interview-scorecard")
    weights = [max(level["points"] for level in c["levels"]) for c in scorecard.rubric]
    assert weights == [20, 20, 15, 20, 15, 10]


SEED_003_TITLES = [
    "Main idea",
    "Central concept",
    "Good fit for AI",
    "Limit to watch",
    "Runbook draft practice",
    "Safest next step",
    "Treating AI output",
    "Verify a drift answer",
    "Responsible use",
    "Bad use",
]


def test_seed_003_the_ten_question_check_is_catalogue_content_on_its_module(catalogue):
    check = Assessment.objects.get(slug="mlops-drift-oncall-check")
    assert (check.module.slug, check.module.pathway.slug) == (
        "pipelines-drift-on-call",
        "ml-engineer",
    )
    questions = [item.question for item in check.items.order_by("order")]
    assert [q.title for q in questions] == SEED_003_TITLES
    assert all(q.skills.exists() for q in questions)
    assert set(check.skills.values_list("slug", flat=True)) == {
        "drift-detection",
        "actionable-alerting",
        "sustainable-on-call",
        "pipeline-tracing",
    }
    assert check.feedback_timing == "immediate"


def test_seed_004_nine_modules_each_with_eight_topics(catalogue):
    modules = list(pathway("ai-lifecycle").modules.order_by("order"))
    assert len(modules) == 9
    for module in modules:
        topics = module.content.split("Topics:", 1)[1].split(";")
        assert len(topics) == 8, module.slug
