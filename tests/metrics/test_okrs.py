"""OKRs: key results bound to a KPI are measured from rollups; progress is exact."""

import datetime as dt
from decimal import Decimal

import pytest

from metrics import services
from metrics.demo import seed_okrs
from metrics.exceptions import MetricsError
from metrics.models import KeyResult, Objective
from tests.factories import CohortFactory
from tests.metrics.conftest import at
from tests.metrics.factories import incident
from tests.metrics.rollup_helpers import import_records

TODAY = dt.date(2025, 6, 30)


@pytest.fixture
def objective(db):
    return services.objective_create(
        title="Spend less time on cleanup",
        starts_on=dt.date(2025, 4, 1),
        deadline=dt.date(2025, 9, 30),
    )


def test_a_kpi_bound_key_result_is_measured_over_its_window(objective, sre, settings):
    # given AI-related cleanup inside the trailing 90 days and one outside it
    incident(team=sre, start=at("2025-06-10T10:00"), cleanup="10.50", ai_related=True)
    incident(team=sre, start=at("2025-05-02T10:00"), cleanup="4.25", ai_related=True)
    incident(team=sre, start=at("2025-06-11T10:00"), cleanup="99.00", ai_related=False)
    incident(team=sre, start=at("2025-01-02T10:00"), cleanup="50.00", ai_related=True)
    services.rollups_recompute_all()

    # when
    result = services.key_result_create(
        objective=objective,
        description="Halve AI cleanup hours",
        kpi_key="cleanup_hours",
        filters={"ai_related": True},
        baseline_value=Decimal(30),
        target_value=Decimal(15),
    )
    services.key_results_refresh(today=TODAY)
    result.refresh_from_db()

    # then: 10.50 + 4.25 hours, two incidents; lower is better, 15 of 15 hours cut → 100 %
    assert (result.current_value, result.current_n) == (Decimal("14.75"), 2)
    assert result.progress == 100
    assert result.unit == "hours"


@pytest.mark.parametrize(
    ("baseline", "target", "current", "progress"),
    [
        (100, 50, 75, 50),  # lower is better, halfway
        (100, 50, 120, 0),  # went the wrong way: clamped at 0
        (20, 80, 45, 42),  # higher is better
        (20, 80, 95, 100),  # beyond the target: clamped at 100
    ],
)
def test_progress_from_baseline_to_target(objective, baseline, target, current, progress):
    result = services.key_result_create(
        objective=objective,
        description="Reported",
        baseline_value=Decimal(baseline),
        target_value=Decimal(target),
        current_value=Decimal(current),
    )
    assert result.progress == progress


def test_a_duration_key_result_tracks_its_statistic(objective, sre):
    for ttr in (600, 1200, 3000):
        incident(team=sre, start=at("2025-06-10T10:00"), ttr=ttr)
    services.rollups_recompute_all()

    result = services.key_result_create(
        objective=objective,
        description="Faster resolution",
        kpi_key="mttr",
        statistic="p90",
        scope="team:sre",
        baseline_value=Decimal(3600),
        target_value=Decimal(1800),
    )
    services.key_results_refresh(today=TODAY)
    result.refresh_from_db()

    assert (result.current_value, result.current_n) == (Decimal(2640), 3)


def test_processing_rollups_re_measures_key_results(objective, sre):
    services.rollups_recompute_all()
    result = services.key_result_create(
        objective=objective,
        description="Fewer incidents",
        kpi_key="incident_count",
        scope="team:sre",
        baseline_value=Decimal(10),
        target_value=Decimal(5),
    )
    assert result.current_value == Decimal(0)

    # an incident inside the 90 days up to the objective's deadline (2025-09-30), which
    # has passed: a finished objective is measured at its deadline
    batch = import_records(
        [
            {
                "external_id": "A",
                "title": "Down",
                "team": "sre",
                "started_at": "2025-09-15T10:00:00Z",
            }
        ]
    )
    services.rollups_note_batch(batch_id=batch.pk)
    services.rollups_process_dirty()

    result.refresh_from_db()
    assert result.current_value == Decimal(1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kpi_key": "nope"}, "Unknown KPI"),
        ({"kpi_key": "mttr", "statistic": "value"}, "statistic is one of"),
        ({"kpi_key": "incident_count", "scope": "team:missing"}, "Unknown scope"),
        ({"kpi_key": "incident_count", "filters": {"severity": "SEV7"}}, "Unknown severity"),
        ({"kpi_key": "completion_by_role", "scope": "team:sre"}, "measured for a cohort"),
        ({"kpi_key": "p95_inference_latency", "scope": "a cohort"}, "organisation or teams"),
        ({"baseline_value": Decimal(2)}, "differ"),
    ],
)
def test_invalid_key_results_are_refused(objective, sre, kwargs, message):
    # the one check behind every way of writing a key result (services.key_result_create
    # for the seed and tests, okrs.key_result_save for the forms and the API)
    if kwargs.get("scope") == "a cohort":
        kwargs = {**kwargs, "scope": f"cohort:{CohortFactory().pk}"}
    with pytest.raises(MetricsError, match=message):
        services.key_result_create(
            objective=objective,
            description="x",
            **{"baseline_value": Decimal(1), "target_value": Decimal(2), **kwargs},
        )
    assert KeyResult.objects.count() == 0


def test_reporting_a_measured_key_result_is_refused(objective):
    result = services.key_result_create(
        objective=objective,
        description="Fewer incidents",
        kpi_key="incident_count",
        baseline_value=Decimal(10),
        target_value=Decimal(5),
    )
    with pytest.raises(MetricsError):
        services.key_result_report(key_result=result, value=Decimal(3))


def test_sample_okrs_are_seeded_once(db, sre):
    incident(
        team=sre, start=at("2025-03-10T10:00"), cleanup="8.00", ai_related=True, rolled_back=True
    )
    incident(team=sre, start=at("2025-06-10T10:00"), cleanup="1.00", ai_related=False)
    services.rollups_recompute_all()

    seed_okrs(today=TODAY)
    seed_okrs(today=TODAY)

    assert Objective.objects.count() == 2
    assert KeyResult.objects.count() == 4
    cleanup = KeyResult.objects.get(kpi_key="cleanup_hours")
    # baseline: the 13 weeks before the programme started (2025-03-31)
    assert (cleanup.baseline_value, cleanup.target_value) == (Decimal(8), Decimal(4))
    rollbacks = KeyResult.objects.get(kpi_key="rollback_rate")
    assert (rollbacks.statistic, rollbacks.baseline_value) == ("count", Decimal(1))
    assert rollbacks.target_value == Decimal("0.4")


def test_the_demo_seeder_is_idempotent(db):
    from django.core.management import call_command

    from metrics.models import CohortSnapshot

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert Objective.objects.count() == 2
    assert KeyResult.objects.count() == 4
    snapshot = CohortSnapshot.objects.get(cohort__name="AI reliability cohort 1")
    assert snapshot.data["status_counts"] == {"on_track": 6, "behind": 3, "at_risk": 4}


def test_demo_okrs_follow_incidents_that_stopped_long_ago(db, sre):
    # given AI-related incidents that end in February, and a much later today
    for day, cleanup in (("2024-11-05", "6.00"), ("2025-01-07", "2.00"), ("2025-02-04", "1.00")):
        incident(team=sre, start=at(f"{day}T10:00"), cleanup=cleanup, ai_related=True)
    services.rollups_recompute_all()

    seed_okrs(today=dt.date(2025, 12, 1))

    # then the programme ends on the latest incident's week and is measured there
    objective = Objective.objects.get(title__startswith="Spend less time")
    assert (objective.starts_on, objective.deadline) == (dt.date(2024, 8, 5), dt.date(2025, 2, 3))
    cleanup = KeyResult.objects.get(kpi_key="cleanup_hours")
    assert (cleanup.baseline_value, cleanup.current_value, cleanup.current_n) == (
        Decimal(120),  # nothing in the 13 weeks before 2024-08-05: the stated fallback
        Decimal("9.00"),  # 6 + 2 + 1 hours in the 90 days up to 2025-02-03
        3,
    )
