"""The demo year: deterministic, idempotent, skewed durations."""

import datetime as dt
import statistics

from django.core.management import call_command

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
    assert counts == (395, 2, 1)
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
    ]
    # a long right tail: the mean is well above the median
    assert statistics.mean(ttr) > 1.3 * statistics.median(ttr)
    assert min(r["started_at"] for r in records) >= "2025-01-05"
    assert max(r["started_at"] for r in records) < "2026-01-05T09:00:00+00:00"
