"""Incremental rollups: only affected buckets, applied at once, and equal to a full rebuild."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Incident
from metrics import selectors, services
from metrics.models import DirtyBucket, IncidentRollup, RollupBatch, RollupState
from tests.metrics.conftest import at
from tests.metrics.rollup_helpers import import_records, rollup_snapshot


def record(n: int, *, team: str = "sre", start: str = "2025-03-04T10:00:00Z", **extra):
    return {
        "external_id": f"INC-{n}",
        "title": f"Incident {n}",
        "team": team,
        "severity": "SEV2",
        "started_at": start,
        "detected_at": start.replace("10:00", "10:05"),
        "resolved_at": start.replace("10:00", "11:00"),
        **extra,
    }


def mttr_median(scope: str, first: str = "2025-03-03"):
    week = selectors.incident_report(
        scope=selectors.scope_parse(scope),
        period="week",
        first=dt.date.fromisoformat(first),
        last=dt.date.fromisoformat(first),
    ).periods[0]
    return week.incident_count, week.durations["mttr"].median


def test_a_batch_changes_only_the_buckets_it_touched(sre, ml):
    # given rolled-up incidents in two weeks
    import_records([record(1), record(2, start="2025-03-11T10:00:00Z")])
    services.rollups_recompute_all()
    untouched = IncidentRollup.objects.get(slice_start=dt.date(2025, 3, 10))

    # when a batch adds one incident to the first week and the batch is noted
    batch = import_records([record(3, team="ml-platform")])
    changed = services.rollups_note_batch(batch_id=batch.pk)

    # then its bucket is counted at once, and no other bucket was written
    assert changed == 1
    assert mttr_median("team:ml-platform") == (1, 3600)
    assert IncidentRollup.objects.filter(bucket_key=f"{ml.pk}||2025-03-03|SEV2|0|").exists()
    assert IncidentRollup.objects.get(pk=untouched.pk).computed_at == untouched.computed_at
    assert DirtyBucket.objects.count() == 0
    assert services.rollups_process_dirty() == 0
    assert RollupBatch.objects.filter(batch_id=batch.pk).exists()


def test_an_update_that_moves_an_incident_clears_its_old_bucket(sre, ml):
    # given an incident rolled up under SRE
    import_records([record(1)])
    services.rollups_recompute_all()
    assert mttr_median("team:sre") == (1, 3600)

    # when a re-import moves it to ML Platform and changes its resolution time
    batch = import_records([record(1, team="ml-platform", resolved_at="2025-03-04T12:00:00Z")])
    services.rollups_note_batch(batch_id=batch.pk)
    services.rollups_process_dirty()

    # then it left the old bucket and counts in the new one only
    assert mttr_median("team:sre") == (0, None)
    assert mttr_median("team:ml-platform") == (1, 7200)
    assert not IncidentRollup.objects.filter(team=sre).exists()


def test_noting_the_same_batch_twice_changes_nothing(sre):
    batch = import_records([record(1), record(2)])
    services.rollups_recompute_all()
    before = rollup_snapshot()

    assert services.rollups_note_batch(batch_id=batch.pk) == 0
    assert services.rollups_note_batch(batch_id=batch.pk) == 0
    assert services.rollups_process_dirty() == 0
    assert rollup_snapshot() == before


def test_marking_debounces_into_one_scheduled_run(sre, django_capture_on_commit_callbacks):
    services.rollups_recompute_all()
    first = import_records([record(1)])
    second = import_records([record(2, start="2025-03-11T10:00:00Z")])

    # when two batches are noted in quick succession
    with django_capture_on_commit_callbacks() as callbacks:
        services.rollups_note_batch(batch_id=first.pk)
        services.rollups_note_batch(batch_id=second.pk)

    # then both are counted at once, and one processing run (which refreshes what reads
    # the rollups) is scheduled, a few seconds ahead
    assert mttr_median("team:sre") == (1, 3600)
    assert mttr_median("team:sre", first="2025-03-10") == (1, 3600)
    assert len(callbacks) == 1
    state = RollupState.objects.get()
    assert state.processing_due_at > timezone.now()
    assert DirtyBucket.objects.count() == 0

    # and running it (eagerly here) clears the schedule and claims the refresh
    callbacks[0]()
    state = RollupState.objects.get()
    assert state.processing_due_at is None
    assert state.dependants_at == state.last_change_at


def test_metrics_tasks_go_to_the_metrics_queue():
    from config.celery_app import app

    app.loader.import_default_modules()
    names = [n for n in app.tasks if n.startswith("metrics.tasks.")]
    assert sorted(names) == [
        "metrics.tasks.cohort_outcomes_refresh",
        "metrics.tasks.cohort_outcomes_store",
        "metrics.tasks.cohort_snapshot_refresh",
        "metrics.tasks.cohort_snapshots_refresh",
        "metrics.tasks.prometheus_pull_all",
        "metrics.tasks.rollups_note_batch",
        "metrics.tasks.rollups_process",
        "metrics.tasks.rollups_recompute_all",
        "metrics.tasks.rollups_sweep",
    ]
    assert {app.amqp.router.route({}, n)["queue"].name for n in names} == {"metrics"}


def test_the_batch_task_notes_a_batch_and_processes_it(sre, django_capture_on_commit_callbacks):
    from metrics.tasks import rollups_note_batch

    services.rollups_recompute_all()
    batch = import_records([record(1)])

    with django_capture_on_commit_callbacks(execute=True):
        assert rollups_note_batch.delay(batch.pk).get() == 1

    assert mttr_median("team:sre") == (1, 3600)
    assert DirtyBucket.objects.count() == 0


def test_the_sweep_finds_unannounced_batches_and_edits(sre, ml):
    # given rollups, then a batch nobody announced and an edit outside imports
    import_records([record(1), record(2)])
    services.rollups_recompute_all()
    batch = import_records([record(3, start="2025-03-11T10:00:00Z")])
    Incident.objects.filter(external_id="INC-1").update(
        team=ml, updated_at=timezone.now() + dt.timedelta(seconds=1)
    )

    # when the per-minute sweep runs
    result = services.rollups_sweep()

    # then it noted both and processed the three buckets involved
    assert (result.batches, result.processed) == (1, 3)
    assert RollupBatch.objects.filter(batch_id=batch.pk).exists()
    assert mttr_median("team:sre") == (1, 3600)
    assert mttr_median("team:ml-platform") == (1, 3600)
    assert mttr_median("team:sre", first="2025-03-10") == (1, 3600)


def test_a_first_sweep_rebuilds_everything(sre):
    import_records([record(1)])

    result = services.rollups_sweep()

    assert result.rebuilt is True
    assert mttr_median("team:sre") == (1, 3600)


def test_noting_twice_does_the_work_once(sre):
    import_records([record(1)])
    services.rollups_recompute_all()
    Incident.objects.update(resolved_at=at("2025-03-04T13:00"), updated_at=timezone.now())
    ids = list(Incident.objects.values_list("id", flat=True))

    assert services.rollups_note_incidents(incident_ids=ids) == 1
    assert services.rollups_note_incidents(incident_ids=ids) == 0
    assert services.rollups_process_dirty() == 0
    assert mttr_median("team:sre") == (1, 3 * 3600)


# --- property: any sequence of imports and edits ends equal to a full rebuild --------

DAYS = ["2025-03-04T10:00:00Z", "2025-03-31T23:00:00Z", "2025-04-01T01:00:00Z", None]
records = st.builds(
    lambda n, team, start, sev, ai, ttr, rolled, cleanup: {
        "external_id": f"P-{n}",
        "title": f"Incident {n}",
        "team": team,
        "severity": sev,
        "ai_related": ai,
        "started_at": start,
        "resolved_at": None
        if start is None or ttr is None
        else (dt.datetime.fromisoformat(start) + dt.timedelta(seconds=ttr)).isoformat(),
        "rolled_back": rolled,
        "cleanup_hours": cleanup,
    },
    n=st.integers(0, 3),
    team=st.sampled_from(["sre", "ml-platform"]),
    start=st.sampled_from(DAYS),
    sev=st.sampled_from(["SEV1", "SEV2"]),
    ai=st.booleans(),
    ttr=st.none() | st.integers(1, 10**6),
    rolled=st.booleans(),
    cleanup=st.none() | st.sampled_from(["0.25", "3.00"]),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("import"), st.lists(records, min_size=1, max_size=4), st.booleans()),
        st.tuples(st.just("edit"), st.integers(0, 3), st.sampled_from(["SEV3", "SEV4"])),
        st.tuples(st.just("process")),
        st.tuples(st.just("sweep")),
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_incremental_rollups_equal_a_full_rebuild(sre, ml, steps):
    with transaction.atomic():
        services.rollups_recompute_all()
        for step in steps:
            if step[0] == "import":
                _, batch_records, announced = step
                batch = import_records(batch_records)
                if announced:
                    services.rollups_note_batch(batch_id=batch.pk)
            elif step[0] == "edit":
                _, n, severity = step
                Incident.objects.filter(external_id=f"P-{n}").update(
                    severity=severity, updated_at=timezone.now()
                )
            elif step[0] == "sweep":
                services.rollups_sweep()
            else:
                services.rollups_process_dirty()
        services.rollups_sweep()
        incremental = rollup_snapshot()

        services.rollups_recompute_all()

        assert incremental == rollup_snapshot()
        transaction.set_rollback(True)


def test_a_rebuild_over_current_rollups_changes_nothing(sre, ml):
    # given rollups kept current incrementally
    import_records([record(1), record(2, team="ml-platform")])
    services.rollups_recompute_all()
    batch = import_records([record(3, start="2025-03-11T10:00:00Z"), record(1, team="ml-platform")])
    services.rollups_note_batch(batch_id=batch.pk)
    services.rollups_process_dirty()

    # when everything is rebuilt, nothing differs
    result = services.rollups_recompute_all()
    assert (result.incidents, result.buckets, result.buckets_changed) == (3, 2, 0)

    # and a change nobody noted is what a rebuild repairs
    Incident.objects.filter(external_id="INC-2").update(team=sre)
    assert services.rollups_recompute_all().buckets_changed == 2


def test_a_finished_import_updates_the_rollups_without_waiting_for_the_sweep(
    sre, django_capture_on_commit_callbacks
):
    # given rollups that are up to date
    services.rollups_recompute_all()

    # when an import finishes (tasks run in-process here, as without a broker)
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_records([record(1), record(2)])

    # then the incidents' buckets were noted and recomputed: no sweep ran, nothing waits
    assert RollupBatch.objects.filter(batch_id=batch.pk).exists()
    assert DirtyBucket.objects.count() == 0
    assert mttr_median("team:sre") == (2, 3600)
    assert RollupState.objects.get().swept_until < RollupBatch.objects.get().noted_at
