"""Outcome KPIs measured for a cohort's teams: baseline before the start, current since,
target, progress, n and a small-sample flag, on the dashboard and in the API."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from metrics import external, services
from metrics.selectors.outcomes import cohort_outcomes
from metrics.selectors.scopes import scope_parse
from pathways.models import PathwayOutcome
from tests.metrics.factories import incident
from tests.metrics.test_cohort_dashboard import (  # noqa: F401
    START,
    TODAY,
    catalogue,
    populate,
    sponsor,
)

WEEK = START - dt.timedelta(days=START.weekday())  # Monday of the start week
SINCE_DAYS = (TODAY - WEEK).days + 1  # the current span, start week to today: 45–51 days


def per_window(count: int, days: int, window: int = 28) -> str:
    """A count over `days` per an outcome's window (28 days in most of these tests), as
    the figures give it."""
    return str((Decimal(count) * window / days).quantize(Decimal("0.01")))


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def plant(team):  # type: ignore[no-untyped-def]
    hallucination = {"failure_mode": "hallucination", "ai_related": True}
    # baseline window (28 days = the four weeks before the start week)
    for days, ttm in ((7, 600), (14, 1200), (21, 1800)):
        incident(team=team, start=noon(WEEK - dt.timedelta(days=days)), ttm=ttm, **hallucination)
    incident(team=team, start=noon(WEEK - dt.timedelta(days=10)), ttm=60, failure_mode="capacity")
    # five weeks back: outside the window
    incident(team=team, start=noon(WEEK - dt.timedelta(days=35)), ttm=9999, **hallucination)
    # since the start
    for days, ttm in ((1, 900), (8, 1020)):
        incident(team=team, start=noon(WEEK + dt.timedelta(days=days)), ttm=ttm, **hallucination)
    services.rollups_recompute_all()


def outcomes_for(pathway):  # type: ignore[no-untyped-def]
    PathwayOutcome.objects.create(
        pathway=pathway,
        order=1,
        kpi_key="mttm",
        description="MTTM for hallucinations down 40 %",
        target_change_pct=Decimal(-40),
        window_days=28,
        filters={"failure_mode": "hallucination"},
    )
    PathwayOutcome.objects.create(
        pathway=pathway,
        order=2,
        kpi_key="incident_count",
        description="Fewer AI-related incidents",
        target_change_pct=Decimal(-30),
        window_days=28,
        filters={"ai_related": True},
    )
    PathwayOutcome.objects.create(
        pathway=pathway,
        order=3,
        kpi_key="p95_inference_latency",
        description="p95 under 300 ms",
        target_value=Decimal(300),
        window_days=28,
    )


def test_planted_incidents_give_the_hand_computed_baseline_current_and_progress(
    api_client,
    client,
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
):
    # given a cohort's team with planted incidents and latency observations
    team, cohort = populate(sponsor, catalogue, 3)
    outcomes_for(catalogue[2])
    plant(team)
    external.observations_record(
        kpi_key="p95_inference_latency",
        source="push",
        team=team,
        points=[
            (noon(WEEK - dt.timedelta(days=3)), 400.0),
            (noon(WEEK - dt.timedelta(days=2)), 380.0),
            (noon(WEEK + dt.timedelta(days=2)), 320.0),
        ],
    )

    # when the manager asks the API
    api_client.force_authenticate(sponsor)
    body = api_client.get(reverse("api-metrics-cohort-outcomes", args=[cohort.pk])).json()

    # then: MTTM median 1200 s before (600, 1200, 1800), 960 s since (900, 1020);
    # target 1200 × 0.6 = 720; progress (960 − 1200) ÷ (720 − 1200) = 50 %
    rows = {r["kpi_key"]: r for r in body["outcomes"]}
    mttm = rows["mttm"]
    assert (mttm["statistic"], mttm["baseline"], mttm["current"]) == ("median", "1200", "960")
    assert (mttm["baseline_n"], mttm["current_n"]) == (3, 2)
    assert (Decimal(mttm["target"]), mttm["progress"], mttm["small_sample"]) == (720, 50, True)
    assert mttm["baseline_from"] == str(WEEK - dt.timedelta(days=28))
    assert mttm["baseline_to"] == str(WEEK - dt.timedelta(days=1))
    assert mttm["current_from"] == str(WEEK)
    assert "Baseline: the whole weeks" in mttm["method"]
    # AI-related incidents: 3 in the 28 days before, 2 in the SINCE_DAYS since, each
    # per 28 days; target 3 × 0.7 = 2.1; 2 × 28 ÷ SINCE_DAYS (about 1.2) is past it: 100 %
    count = rows["incident_count"]
    assert count["statistic"] == "per 28 days"
    assert (count["baseline"], count["current"]) == ("3.00", per_window(2, SINCE_DAYS))
    assert (count["baseline_n"], count["current_n"]) == (3, 2)
    assert Decimal(count["target"]) == Decimal("2.1")
    assert count["progress"] == 100
    # p95 latency: mean 390 before, 320 since; target 300: (320 − 390) ÷ (300 − 390) = 78 %
    p95 = rows["p95_inference_latency"]
    assert (p95["baseline"], p95["current"], p95["target"], p95["progress"]) == (
        "390.0",
        "320.0",
        "300.0000",
        78,
    )

    # and the cohort dashboard shows the same figures
    client.force_login(sponsor)
    services.cohort_snapshot_refresh(cohort_id=cohort.pk)
    page = client.get(reverse("metrics:cohort", args=[cohort.pk])).content.decode()
    assert "Pathway outcomes, measured" in page
    # durations as people read them, shares as percentages
    assert "20 min <small>(n 3)</small>" in page and "16 min <small>(n 2)</small>" in page
    assert "12 min</td>" in page and "50 %" in page
    assert "300 ms</td>" in page
    assert f"{per_window(2, SINCE_DAYS)} incidents <small>(n 2)</small>" in page


def test_a_manager_of_none_of_the_teams_gets_no_figures(
    api_client,
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
):
    from tests.factories import UserFactory

    team, cohort = populate(sponsor, catalogue, 2)
    outcomes_for(catalogue[2])
    plant(team)
    author = UserFactory(personas=["learner", "author"])
    api_client.force_authenticate(author)
    assert (
        len(
            api_client.get(reverse("api-metrics-cohort-outcomes", args=[cohort.pk])).json()[
                "outcomes"
            ]
        )
        == 3
    )
    stranger = UserFactory(personas=["learner", "manager"])
    api_client.force_authenticate(stranger)
    reply = api_client.get(reverse("api-metrics-cohort-outcomes", args=[cohort.pk]))
    assert reply.status_code == 404


def test_a_count_over_a_shorter_span_is_compared_per_the_same_days(
    api_client,
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
):
    # given an outcome over 13 weeks (91 days) and a team with one AI-related incident a
    # week in the 13 weeks before the start week, then 10 since: fewer in all, but over
    # SINCE_DAYS (45–51) days, so more often
    team, cohort = populate(sponsor, catalogue, 3)
    PathwayOutcome.objects.create(
        pathway=catalogue[2],
        order=1,
        kpi_key="incident_count",
        description="Fewer AI-related incidents per quarter",
        target_change_pct=Decimal(-30),
        window_days=91,
        filters={"ai_related": True},
    )
    for week in range(1, 14):
        incident(team=team, start=noon(WEEK - dt.timedelta(days=7 * week - 3)), ai_related=True)
    for n in range(10):
        incident(team=team, start=noon(WEEK + dt.timedelta(days=4 * n)), ai_related=True)
    services.rollups_recompute_all()

    # when the manager reads the outcomes
    api_client.force_authenticate(sponsor)
    body = api_client.get(reverse("api-metrics-cohort-outcomes", args=[cohort.pk])).json()

    # then both are per 91 days: 13 before, 10 × 91 ÷ SINCE_DAYS (17.8–20.2) since, the
    # wrong way from the target (9.1): no progress, where 10 against 13 would have
    # claimed 77 %
    (count,) = body["outcomes"]
    assert (count["statistic"], count["baseline"], count["current"]) == (
        "per 91 days",
        "13.00",
        per_window(10, SINCE_DAYS, 91),
    )
    assert (count["baseline_n"], count["current_n"]) == (13, 10)
    assert Decimal(count["target"]) == Decimal("9.1")
    assert count["progress"] == 0


def test_before_the_start_week_there_is_a_baseline_and_no_current_value(
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
):
    # given the planted incidents, measured on a day before the cohort's start week
    team, _cohort = populate(sponsor, catalogue, 3)
    outcomes_for(catalogue[2])
    plant(team)
    rows = cohort_outcomes(
        pathways=[catalogue[2]],
        start=START,
        scope=scope_parse(f"team:{team.slug}"),
        today=WEEK - dt.timedelta(days=2),
    )

    # then each incident outcome has its baseline, and no current value or progress
    # (nothing since the start: no incidents is not fewer incidents)
    measured = {r.kpi_key: r for r in rows}
    assert (measured["mttm"].baseline, measured["mttm"].baseline_n) == (1200, 3)
    assert measured["incident_count"].baseline == Decimal("3.00")
    for row in rows:
        assert (row.current, row.current_n, row.progress) == (None, 0, None)
        assert row.note == "Not started yet: no current value."
