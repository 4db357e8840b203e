"""The demo year: deterministic, idempotent, skewed durations."""

import datetime as dt
import statistics

from django.core.management import call_command
from django.utils import timezone

from incidents import demo
from incidents.models import ImportBatch, Incident, IncidentExercise


def test_the_demo_records_are_the_same_on_every_run():
    assert demo.incident_records() == demo.incident_records()


def test_seed_demo_twice_creates_nothing_the_second_time(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (
        Incident.objects.count(),
        ImportBatch.objects.count(),
        IncidentExercise.objects.count(),
    )

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (
        Incident.objects.count(),
        ImportBatch.objects.count(),
        IncidentExercise.objects.count(),
    ) == counts
    assert counts == (396, 2, 1)
    # the SRE team has AI-related incidents before and after its cohort started, so the
    # SRE track's outcome KPIs have a baseline and a current value
    sre_ai = Incident.objects.filter(team__slug="sre", ai_related=True)
    started = timezone.now() - dt.timedelta(days=44)
    assert sre_ai.filter(started_at__lt=started).count() >= 10
    assert sre_ai.filter(started_at__gte=started).exists()
    assert set(Incident.objects.values_list("team__slug", flat=True)) == {
        "sre",
        "data-eng",
        "ml-platform",
        "ai-product",
    }
    assert Incident.objects.filter(source="demo-postmortems").count() == 5
    assert ImportBatch.objects.filter(rejected_count__gt=0).count() == 0


def test_demo_durations_are_skewed_like_real_ones():
    records = demo.incident_records()
    ttr = [
        (
            dt.datetime.fromisoformat(r["resolved_at"]) - dt.datetime.fromisoformat(r["started_at"])
        ).total_seconds()
        for r in records
        if r["resolved_at"]
    ]
    # a long right tail: the mean is well above the median
    assert statistics.mean(ttr) > 1.3 * statistics.median(ttr)


def test_the_demo_year_ends_on_the_day_it_is_seeded():
    # given the records of two different days
    today = dt.date(2027, 3, 10)
    records = demo.incident_records(today=today)
    later = demo.incident_records(today=today + dt.timedelta(days=30))

    # then they cover the year up to that day: the same incidents, moved along
    starts = sorted(r["started_at"] for r in records)
    assert starts[0] >= "2026-03-10" and starts[-1] < "2027-03-10"
    assert len(later) == len(records)
    assert [r["external_id"] for r in later] == [r["external_id"] for r in records]
    moved = dt.datetime.fromisoformat(later[0]["started_at"]) - dt.datetime.fromisoformat(
        records[0]["started_at"]
    )
    assert moved == dt.timedelta(days=30)
    # and a stage that would fall after that day is still open, never in the future
    end = dt.datetime(2027, 3, 10, tzinfo=dt.UTC)
    stamps = [
        dt.datetime.fromisoformat(r[field])
        for r in records
        for field in ("detected_at", "acknowledged_at", "mitigated_at", "resolved_at")
        if r[field]
    ]
    assert max(stamps) <= end


def test_trained_teams_detect_and_mitigate_faster_after_the_demo_cohort_started():
    # given the demo year, whose cohort started 44 days before the day it was seeded
    today = dt.date(2027, 3, 10)
    started = dt.datetime(2027, 1, 25, tzinfo=dt.UTC)
    before = started - dt.timedelta(weeks=13)
    records = demo.incident_records(today=today)

    def median(stage: str, teams: set[str], after: bool) -> float:
        window = (started, started + dt.timedelta(days=44)) if after else (before, started)
        return statistics.median(
            (
                dt.datetime.fromisoformat(r[stage]) - dt.datetime.fromisoformat(r["started_at"])
            ).total_seconds()
            for r in records
            if r["team"] in teams
            and r[stage]
            and window[0] <= dt.datetime.fromisoformat(r["started_at"]) < window[1]
        )

    # then the trained teams' detection and mitigation improve beyond the others' change
    trained, others = {"sre", "ml-platform"}, {"data-eng", "ai-product"}
    for stage in ("detected_at", "mitigated_at"):
        change_trained = median(stage, trained, True) - median(stage, trained, False)
        change_others = median(stage, others, True) - median(stage, others, False)
        assert change_trained < 0
        assert change_trained - change_others < -0.1 * median(stage, trained, False)
