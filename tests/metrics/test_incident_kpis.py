"""Incident KPIs against hand-computed values on incidents with known timestamps."""

import datetime as dt
from decimal import Decimal

import pytest

from metrics import selectors, services
from tests.metrics.conftest import at
from tests.metrics.factories import incident

D = Decimal


def report(scope="team:sre", period="week", first="2025-03-03", last="2025-03-09", **filters):
    return selectors.incident_report(
        scope=selectors.scope_parse(scope),
        period=period,
        first=dt.date.fromisoformat(first),
        last=dt.date.fromisoformat(last),
        filters=selectors.filters_parse(filters),
    )


@pytest.fixture
def week_of_incidents(sre):
    """Five incidents in the week of Monday 3 March 2025, some stages missing."""
    incident(
        team=sre,
        start=at("2025-03-03T10:00"),
        ttd=60,
        tta=30,
        ttm=600,
        ttr=600,
        rolled_back=True,
        cleanup="2.50",
    )
    incident(
        team=sre, start=at("2025-03-04T10:00"), ttd=120, tta=90, ttm=900, ttr=1200, cleanup="1.25"
    )
    incident(team=sre, start=at("2025-03-05T10:00"), ttd=300, ttr=3000)  # never acknowledged
    incident(team=sre, start=at("2025-03-06T10:00"), ttd=900, tta=60, ttm=1800)  # still open
    incident(team=sre, start=at("2025-03-07T10:00"))  # not detected yet


def test_lifecycle_kpis_even_and_odd_samples_with_missing_stages(week_of_incidents):
    # given the week of incidents, rolled up
    services.rollups_recompute_all()

    # when the team's week is reported
    week = report().periods[0]

    # then each KPI has exactly the hand-computed n, exclusions, median, p90 and mean
    assert week.incident_count == 5
    figures = {key: (s.n, s.excluded, s.median, s.p90, s.mean) for key, s in week.durations.items()}
    assert figures == {
        # even n: [60, 120, 300, 900] → median (120+300)/2, p90 at 2.7 → 300 + 0.7 × 600
        "mttd": (4, 1, D(210), D(720), D(345)),
        # odd n: [30, 60, 90] → median 60, p90 at 1.8 → 60 + 0.8 × 30
        "mtta": (3, 2, D(60), D(84), D(60)),
        "mttm": (3, 2, D(900), D(1620), D(1100)),
        # [600, 1200, 3000] → p90 at 1.8 → 1200 + 0.8 × 1800
        "mttr": (3, 2, D(1200), D(2640), D(1600)),
    }
    assert all(s.small_sample for s in week.durations.values())
    assert (week.rollback.count, week.rollback.n, week.rollback.rate) == (1, 5, D("0.2000"))
    assert (week.cleanup.n, week.cleanup.excluded) == (2, 3)
    assert (week.cleanup.total, week.cleanup.per_incident) == (D("3.75"), D("1.8750"))


def test_a_single_huge_outlier_moves_the_mean_not_the_median(sre):
    # given three ordinary resolutions and one that took ten years
    for ttr in (600, 1200, 1800, 10 * 365 * 86400):
        incident(team=sre, start=at("2025-03-04T08:00"), ttd=60, ttr=ttr)
    services.rollups_recompute_all()

    # when
    mttr = report().periods[0].durations["mttr"]

    # then every figure is exact (no overflow, no truncation)
    assert (mttr.n, mttr.median, mttr.mean) == (4, D(1500), D(78840900))
    assert mttr.p90 == D(220752540)  # 1800 + 0.7 × (315360000 − 1800)


def test_sub_second_durations_are_not_truncated(sre):
    start = at("2025-03-04T08:00")
    incident(team=sre, start=start, ttd=0.5, ttr=1.25)
    incident(team=sre, start=start, ttd=1, ttr=2)
    services.rollups_recompute_all()

    week = report().periods[0]

    assert week.durations["mttd"].median == D("0.75")
    assert week.durations["mttr"].mean == D("1.625")


def test_period_edges_put_each_incident_in_exactly_one_period(sre):
    # given incidents one second either side of midnight at the end of March
    incident(team=sre, start=at("2025-03-31T23:59:59"), ttr=100)
    incident(team=sre, start=at("2025-04-01T00:00:00"), ttr=300)
    services.rollups_recompute_all()

    # then months, quarters and the week spanning both months split them exactly
    months = report(period="month", first="2025-03-01", last="2025-04-30").periods
    assert [(p.start, p.incident_count) for p in months] == [
        (dt.date(2025, 3, 1), 1),
        (dt.date(2025, 4, 1), 1),
    ]
    quarters = report(period="quarter", first="2025-01-01", last="2025-06-30").periods
    assert [p.durations["mttr"].median for p in quarters] == [D(100), D(300)]
    weeks = report(period="week", first="2025-03-31", last="2025-04-06").periods
    assert [(p.start, p.end, p.incident_count) for p in weeks] == [
        (dt.date(2025, 3, 31), dt.date(2025, 4, 7), 2)
    ]
    assert weeks[0].durations["mttr"].median == D(200)


def test_periods_follow_the_display_time_zone(sre, settings):
    # given an incident that started late on Sunday in UTC (Monday in Berlin),
    # and one written with a +05:00 offset that is still Sunday in UTC
    incident(team=sre, start=at("2025-03-09T23:30:00"), ttr=60)
    incident(team=sre, start=at("2025-03-10T03:00:00+05:00"), ttr=120)

    # when rolled up in UTC both belong to the week of 3 March
    services.rollups_recompute_all()
    utc = report(first="2025-03-03", last="2025-03-16").periods
    assert [p.incident_count for p in utc] == [2, 0]

    # and when the display time zone is Berlin, the first moves to the next week
    settings.TIME_ZONE = "Europe/Berlin"
    services.rollups_recompute_all()
    berlin = report(first="2025-03-03", last="2025-03-16").periods
    assert [p.incident_count for p in berlin] == [1, 1]
    assert berlin[0].durations["mttr"].median == D(120)
    assert report().method["time_zone"] == "Europe/Berlin"


def test_filters_and_scopes(sre, ml):
    start = at("2025-03-04T08:00")
    incident(
        team=sre,
        start=start,
        ttr=100,
        severity="SEV1",
        ai_related=True,
        failure_mode="hallucination",
    )
    incident(
        team=sre, start=start, ttr=200, severity="SEV2", ai_related=False, failure_mode="capacity"
    )
    incident(team=ml, start=start, ttr=400, severity="SEV1", ai_related=True, failure_mode="drift")
    services.rollups_recompute_all()

    def medians(**kwargs):
        week = report(**kwargs).periods[0]
        return week.incident_count, week.durations["mttr"].median

    assert medians() == (2, D(150))
    assert medians(severity="SEV1") == (1, D(100))
    assert medians(scope="org", severity="SEV1") == (2, D(250))
    assert medians(scope="org", ai_related="false") == (1, D(200))
    assert medians(scope="org", failure_mode="drift,hallucination") == (2, D(250))
    assert medians(scope="teams:ml-platform,sre") == (3, D(200))


def test_incidents_without_a_start_are_counted_as_undated(sre):
    incident(team=sre, start=None)
    incident(team=sre, start=at("2025-03-04T08:00"), ttr=60)
    services.rollups_recompute_all()

    result = report()

    assert (result.periods[0].incident_count, result.undated) == (1, 1)


def test_method_metadata_names_timestamp_median_and_sample_rule(week_of_incidents):
    services.rollups_recompute_all()

    method = report().method

    assert method["period_timestamp"] == "started_at"
    assert method["median"] == "interpolated (percentile_cont 0.5)"
    assert method["small_sample_below"] == 5
    assert method["buckets_pending"] == 0
