"""The KPI registry: every figure Trellis reports, with its unit, direction and method.

Keys are stable: pathway outcomes (`pathways.PathwayOutcome.kpi_key`), key results
and the API refer to them.
"""

from dataclasses import dataclass
from typing import Literal

Direction = Literal["lower", "higher"]
Family = Literal["incident", "training", "external"]
Kind = Literal["count", "duration", "rate", "hours", "score", "gain", "measure"]


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    name: str
    unit: str
    direction: Direction
    family: Family
    kind: Kind
    definition: str
    method: str
    # For lifecycle durations: the (later, earlier) timestamps subtracted.
    stages: tuple[str, str] | None = None
    owner: str = ""
    # The example target and how often it is reviewed, where a seed gives them.
    target: str = ""
    review: str = ""

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"


PERIOD_TIMESTAMP = "started_at"
PERCENTILE_METHOD = (
    "Median and p90 are interpolated percentiles (PostgreSQL percentile_cont: the value at "
    "position p·(n−1) of the sorted sample, linear between neighbours), computed exactly; "
    "the mean is rounded to the microsecond."
)

_DURATION_METHOD = (
    "Seconds between the two timestamps, for each incident that has both; incidents missing "
    "either are left out and counted as excluded. Reported as n, median, p90 and mean. "
    + PERCENTILE_METHOD
)

KPIS: tuple[Kpi, ...] = (
    Kpi(
        key="incident_count",
        name="Incident frequency",
        unit="incidents",
        direction="lower",
        family="incident",
        kind="count",
        definition="Number of incidents that started in the period.",
        method="Count of incidents whose started_at falls in the period (display time zone).",
        owner="SRE / platform lead",
    ),
    Kpi(
        key="mttd",
        name="Time to detect (MTTD)",
        unit="seconds",
        direction="lower",
        family="incident",
        kind="duration",
        definition="detected_at − started_at: how long impact went unnoticed.",
        method=_DURATION_METHOD,
        stages=("detected_at", "started_at"),
        owner="SRE / platform lead",
    ),
    Kpi(
        key="mtta",
        name="Time to acknowledge (MTTA)",
        unit="seconds",
        direction="lower",
        family="incident",
        kind="duration",
        definition="acknowledged_at − detected_at: how long a detected incident waited for a "
        "responder.",
        method=_DURATION_METHOD,
        stages=("acknowledged_at", "detected_at"),
        owner="SRE / platform lead",
    ),
    Kpi(
        key="mttm",
        name="Time to mitigate (MTTM)",
        unit="seconds",
        direction="lower",
        family="incident",
        kind="duration",
        definition="mitigated_at − started_at: how long customers felt the impact.",
        method=_DURATION_METHOD,
        stages=("mitigated_at", "started_at"),
        owner="SRE / platform lead",
    ),
    Kpi(
        key="mttr",
        name="Time to resolve (MTTR)",
        unit="seconds",
        direction="lower",
        family="incident",
        kind="duration",
        definition="resolved_at − started_at: from impact to the fix for good.",
        method=_DURATION_METHOD,
        stages=("resolved_at", "started_at"),
        owner="SRE / platform lead",
    ),
    Kpi(
        key="rollback_rate",
        name="Rollback rate",
        unit="share of incidents",
        direction="lower",
        family="incident",
        kind="rate",
        definition="Share of incidents that were handled by rolling a deployment back.",
        method="Incidents with rolled_back set ÷ all incidents in the period (every incident "
        "records it, so none is excluded).",
        owner="Engineering managers",
    ),
    Kpi(
        key="cleanup_hours",
        name="Manual cleanup hours",
        unit="hours",
        direction="lower",
        family="incident",
        kind="hours",
        definition="Engineer-hours of manual cleanup after incidents: the total and the mean "
        "per incident that recorded it.",
        method="Sum of cleanup_hours over incidents that recorded it; per incident = that sum ÷ "
        "their number. Incidents without a figure are excluded (not counted as zero).",
        owner="Engineering managers",
    ),
    # --- training KPIs (seed 001's 90-day metrics table) ---
    Kpi(
        key="completion_by_role",
        name="Training completion by role",
        unit="share of learners",
        direction="higher",
        family="training",
        kind="rate",
        definition="Share of a cohort's learners, per job role, who completed their pathway.",
        method="Completed enrolments ÷ all enrolments of the cohort (withdrawn ones included), "
        "by the learner's job role in their team.",
        owner="Internal L&D",
    ),
    Kpi(
        key="prepost_gain",
        name="Pre/post skills assessment gain",
        unit="normalised gain",
        direction="higher",
        family="training",
        kind="gain",
        definition="How much of the possible improvement learners made between the pre and "
        "the post skill check.",
        method="Per learner with both: the first scored pre attempt and the latest scored post "
        "attempt of a skill check of the cohort's pathways; (post − pre) ÷ (100 − pre) on "
        "percentages (undefined at pre = 100). Reported as the mean of learners' gains, with "
        "the median, the gain of the means and n.",
        owner="Program lead",
    ),
    Kpi(
        key="prompt_quality_score",
        name="Prompt quality score",
        unit="rubric points (% of maximum)",
        direction="higher",
        family="training",
        kind="score",
        definition="Average rubric score of reviewed prompt-engineering work (clarity, "
        "grounding, safety, completeness, format compliance).",
        method="Scored rubric reviews of an assessment in the prompt-engineering pillar (by "
        "its skills or its module), as a percentage of the rubric's maximum: mean, median and "
        "standard deviation (consistency) over the cohort's reviewed submissions; n reviews.",
        owner="Engineering managers",
    ),
    Kpi(
        key="simulated_response_time",
        name="Response time in simulated incidents",
        unit="seconds",
        direction="lower",
        family="training",
        kind="duration",
        definition="Time learners took to respond in incident simulations, where recorded.",
        method="Seconds from start to submission of scored attempts on incident-response labs "
        "or modules, or on exercises drafted from real incidents; n, median, p90 and mean as "
        "for incident durations. Attempts not submitted or not scored are left out.",
        owner="SRE / platform lead",
    ),
    Kpi(
        key="governance_review_coverage",
        name="Governance review coverage",
        unit="share of high-risk incidents",
        direction="higher",
        family="training",
        kind="rate",
        definition="Share of high-risk AI incidents whose postmortem was reviewed for "
        "governance: it names contributing factors and has at least one prevention or "
        "process action item.",
        method="Among AI-related incidents of severity SEV1 or SEV2 in scope and period: those "
        "with a contributing factor and a prevent/process action item ÷ all of them.",
        owner="Security / compliance",
    ),
)

_EXTERNAL_METHOD = (
    "Numeric observations from outside Trellis, pushed through the API (one per source and "
    "timestamp; pushing the same one again changes nothing) or pulled from Prometheus with "
    "a PromQL expression. A period's value is the mean of its observations, with n."
)

# KPIs whose data Trellis does not hold: fed by observations (metrics.models.KpiObservation).
EXTERNAL_KPIS: tuple[Kpi, ...] = (
    Kpi(
        key="p95_inference_latency",
        name="p95 inference latency",
        unit="milliseconds",
        direction="lower",
        family="external",
        kind="measure",
        definition="Tail latency of the inference endpoints: the 95th percentile response time.",
        method=_EXTERNAL_METHOD,
        owner="AI engineering lead",
        target="p95 under 150–300 ms, depending on the endpoint",
        review="Weekly",
    ),
    Kpi(
        key="inference_error_rate",
        name="Inference error rate",
        unit="share of requests",
        direction="lower",
        family="external",
        kind="measure",
        definition="Share of requests to a model service that end in a 5xx or a timeout.",
        method=_EXTERNAL_METHOD,
        owner="AI engineering lead",
        target="Below 0.1–1 %, by how critical the service is",
        review="Daily or weekly",
    ),
    Kpi(
        key="pipeline_success_rate",
        name="Pipeline success rate",
        unit="share of runs",
        direction="higher",
        family="external",
        kind="measure",
        definition="Share of scheduled pipeline runs that succeed with nobody stepping in.",
        method=_EXTERNAL_METHOD,
        owner="AI engineering lead",
        target="Above 98–99.5 % once the pipelines are mature",
        review="Weekly",
    ),
    Kpi(
        key="feature_throughput",
        name="Feature throughput",
        unit="features",
        direction="higher",
        family="external",
        kind="measure",
        definition="AI-powered features launched that needed no fixing after launch.",
        method=_EXTERNAL_METHOD,
        owner="Engineering managers",
        target="Going up as the programme lands",
        review="Quarterly",
    ),
    Kpi(
        key="first_pass_sla_rate",
        name="First-pass responses within SLA",
        unit="share of responses",
        direction="higher",
        family="external",
        kind="measure",
        definition="Share of model responses that succeed on the first pass and meet their SLA.",
        method=_EXTERNAL_METHOD,
        owner="ML engineering lead",
        target="Set per service from its baseline",
        review="Monthly",
    ),
)
KPIS = KPIS + EXTERNAL_KPIS

REGISTRY: dict[str, Kpi] = {k.key: k for k in KPIS}
INCIDENT_KPIS = tuple(k for k in KPIS if k.family == "incident")
DURATION_KPIS = tuple(k for k in KPIS if k.family == "incident" and k.kind == "duration")
TRAINING_KPIS = tuple(k for k in KPIS if k.family == "training")
EXTERNAL_KEYS = frozenset(k.key for k in EXTERNAL_KPIS)

# Rollup column prefix for each lifecycle duration KPI.
DURATION_FIELDS = {"mttd": "ttd", "mtta": "tta", "mttm": "ttm", "mttr": "ttr"}


def kpi(key: str) -> Kpi:
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown KPI {key!r}; known: {', '.join(REGISTRY)}") from None


@dataclass(frozen=True, slots=True)
class ProgramMetric:
    """A row of the 90-day programme table (seed 001): what, why, target, who owns it."""

    name: str
    why: str
    target: str
    direction: Direction
    owner: str
    kpi_key: str


PROGRAM_METRICS: tuple[ProgramMetric, ...] = (
    ProgramMetric(
        name="Training completion by role",
        why="Did the people who needed each track finish it?",
        target="85 % or more of each cohort",
        direction="higher",
        owner="Internal L&D",
        kpi_key="completion_by_role",
    ),
    ProgramMetric(
        name="Pre/post skills assessment",
        why="Capability gained, not hours attended.",
        target="Post-check scores 20 % or more above the pre-check",
        direction="higher",
        owner="Program lead",
        kpi_key="prepost_gain",
    ),
    ProgramMetric(
        name="Prompt quality score",
        why="Prompts that are repeatable, safe and in the expected format.",
        target="Higher and more consistent from one review to the next",
        direction="higher",
        owner="Engineering managers",
        kpi_key="prompt_quality_score",
    ),
    ProgramMetric(
        name="Model incident response time",
        why="Whether model operations training shows up in real incidents.",
        target="Going down",
        direction="lower",
        owner="SRE / platform lead",
        kpi_key="mttm",
    ),
    ProgramMetric(
        name="Feature throughput",
        why="AI features that reach users and stay up without remediation.",
        target="Going up",
        direction="higher",
        owner="Engineering managers",
        kpi_key="feature_throughput",
    ),
    ProgramMetric(
        name="Governance review coverage",
        why="Risky AI incidents get a proper review.",
        target="Close to 100 % for high-risk incidents",
        direction="higher",
        owner="Security / compliance",
        kpi_key="governance_review_coverage",
    ),
)
