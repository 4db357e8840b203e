"""Writes for metrics: rollups (full rebuild, change noting, dirty-bucket processing)
and OKRs. Tasks, the command, the demo seeder and views call these.

How rollups stay current without anything importing metrics:

1. *Noting changes.* `rollups_note_batch` (for one finished import batch) and the
   per-minute `rollups_sweep` (finished batches not noted yet, and incidents whose
   `updated_at` moved) compare each changed incident's bucket and fingerprint with
   `RolledIncident` and apply the difference at once (`rollups.apply_chunk`): what
   the map says the incident contributed leaves its old bucket, what it contributes
   now joins its new one, and the map records it, in one statement. Applying the
   same incidents again changes nothing.
2. *Debounce.* A change schedules one processing task `DEBOUNCE_SECONDS` ahead,
   unless one is already due (a conditional update on `RollupState`), so a burst of
   batches costs one run.
3. *Processing.* `rollups_process_dirty` recomputes, from the map, buckets marked
   dirty (a delta that found a bucket inconsistent marks it so), then refreshes
   what reads the rollups (key results, cohort outcome figures) once per change.
   Running it twice is harmless: the second run finds nothing.

Every writer takes the `RollupState` row lock first, so noting, processing and the
full rebuild never interleave.
"""

import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from config.tasks import enqueue_on_commit
from incidents.models import ImportBatch, Incident, IncidentRevision

from . import okr_stamp, rollups
from .exceptions import MetricsError
from .models import (
    CohortSnapshot,
    DirtyBucket,
    KeyResult,
    Objective,
    RollupBatch,
    RollupState,
)
from .registry import REGISTRY

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 5
# A scheduled run that has not started after this long is assumed lost.
SCHEDULE_LEASE = dt.timedelta(minutes=5)
PROCESS_TIME_BUDGET = 120.0
# Edits are looked for this far behind the last sweep, so a transaction that
# committed late (its updated_at older than the sweep) is still seen.
SWEEP_OVERLAP = dt.timedelta(minutes=5)
# Finished batches older than this are assumed noted (the nightly rebuild covers them).
SWEEP_BATCH_HORIZON = dt.timedelta(days=7)


# Memory for the sorts and hashes of a full rebuild (about 100,000 incidents fit).
REBUILD_WORK_MEM = "64MB"


def _lock_state(*, work_mem: str = "") -> None:
    """Take the rollup lock for the current transaction.

    On PostgreSQL the transaction also commits asynchronously: rollups, the map and
    dirty marks are derived data, and after a crash that loses the last commits the
    sweep notes the same incidents again (batches not marked noted, edits inside
    SWEEP_OVERLAP), so durability is not worth a disk flush per commit. JIT
    compilation is off for the transaction: its statements run for well under a
    second, and compiling them costs more than it saves. Prepared statements (the
    incremental update) use their generic plan, made once per session. `work_mem` raises the
    memory each sort or hash may use before spilling to disk (the full rebuild).
    """
    if connection.vendor == "postgresql":
        # One round trip: the settings, then the row lock (the row exists from the
        # first migration on; get_or_create below covers a table emptied by hand).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('synchronous_commit', 'off', true),"
                " set_config('jit', 'off', true),"
                " set_config('plan_cache_mode', 'force_generic_plan', true),"
                " set_config('work_mem', coalesce(nullif(%s, ''),"
                " current_setting('work_mem')), true),"
                " (SELECT count(*) FROM (SELECT 1 FROM metrics_rollupstate WHERE id = 1"
                " FOR UPDATE) AS locked)",
                [work_mem],
            )
            if cursor.fetchone()[4]:
                return
    RollupState.objects.select_for_update().get_or_create(pk=1)


@dataclass(frozen=True, slots=True)
class RecomputeResult:
    incidents: int
    buckets: int
    buckets_changed: int
    seconds: float


def rollups_recompute_all() -> RecomputeResult:
    """Rebuild every rollup and the incident map from the incidents, in one transaction."""
    began = time.monotonic()
    started_at = timezone.now()
    with transaction.atomic():
        _lock_state(work_mem=REBUILD_WORK_MEM)
        DirtyBucket.objects.all().delete()
        rebuilt = rollups.rebuild_all(started_at)
        finished = ImportBatch.objects.filter(
            status__in=(ImportBatch.Status.DONE, ImportBatch.Status.FAILED),
            finished_at__lt=started_at,
            finished_at__gte=started_at - SWEEP_BATCH_HORIZON,
        ).values_list("id", flat=True)
        RollupBatch.objects.bulk_create(
            [RollupBatch(batch_id=pk, noted_at=started_at) for pk in finished],
            ignore_conflicts=True,
        )
        RollupState.objects.filter(pk=1).update(
            time_zone=rollups.bucket_time_zone(),
            last_full_at=started_at,
            last_change_at=started_at,
            swept_until=started_at,
            processing_due_at=None,
        )
    return RecomputeResult(
        rebuilt.incidents, rebuilt.buckets, rebuilt.buckets_changed, time.monotonic() - began
    )


def _schedule_processing(now: dt.datetime) -> bool:
    """Queue one processing run DEBOUNCE_SECONDS ahead, unless one is already due."""
    due = RollupState.objects.filter(pk=1).filter(
        Q(processing_due_at__isnull=True) | Q(processing_due_at__lt=now - SCHEDULE_LEASE)
    )
    if not due.update(processing_due_at=now + dt.timedelta(seconds=DEBOUNCE_SECONDS)):
        return False
    enqueue_on_commit("metrics.tasks.rollups_process", countdown=DEBOUNCE_SECONDS)
    return True


def rollups_note_incidents(
    *, incident_ids: Iterable[int], schedule: bool = True, batch_id: int | None = None
) -> int:
    """Compare these incidents with where they were last counted and move their
    contributions between buckets; unless the caller processes next, schedule the
    processing run that refreshes what reads the rollups. With `batch_id`, also record
    that batch as noted. Returns the number of buckets changed."""
    ids = sorted(set(incident_ids))
    chunks = list(rollups._chunks(ids)) or [[]]
    changed = 0
    for index, chunk in enumerate(chunks):
        now = timezone.now()
        with transaction.atomic():
            _lock_state()
            touched = rollups.apply_chunk(chunk, now) if chunk else 0
            if touched:
                RollupState.objects.filter(pk=1).update(last_change_at=now)
                if schedule:
                    _schedule_processing(now)
            if batch_id is not None and index == len(chunks) - 1:
                RollupBatch.objects.bulk_create(
                    [RollupBatch(batch_id=batch_id, noted_at=now)], ignore_conflicts=True
                )
        changed += touched
    return changed


def rollups_note_batch(*, batch_id: int, schedule: bool = True) -> int:
    """Note every incident an import batch created or changed. Safe to run twice."""
    ids = set(Incident.objects.filter(last_batch_id=batch_id).values_list("id", flat=True))
    ids |= set(
        IncidentRevision.objects.filter(batch_id=batch_id).values_list("incident_id", flat=True)
    )
    return rollups_note_incidents(incident_ids=ids, schedule=schedule, batch_id=batch_id)


@dataclass(frozen=True, slots=True)
class SweepResult:
    batches: int
    edited: int
    processed: int
    rebuilt: bool = False


def rollups_sweep(*, process: bool = True) -> SweepResult:
    """Find changes nobody announced: finished batches not noted yet (a lost message,
    or tasks that run eagerly) and incidents edited outside imports. Then process
    whatever is dirty. Without a first full rebuild (or after a time zone change),
    do that instead."""
    state, _ = RollupState.objects.get_or_create(pk=1)
    if state.last_full_at is None or state.time_zone != rollups.bucket_time_zone():
        rollups_recompute_all()
        return SweepResult(batches=0, edited=0, processed=0, rebuilt=True)
    started_at = timezone.now()
    noted = RollupBatch.objects.values("batch_id")
    batch_ids = list(
        ImportBatch.objects.filter(
            status__in=(ImportBatch.Status.DONE, ImportBatch.Status.FAILED),
            finished_at__gte=started_at - SWEEP_BATCH_HORIZON,
        )
        .exclude(id__in=noted)
        .order_by("finished_at")
        .values_list("id", flat=True)
    )
    changed = 0
    for batch_id in batch_ids:
        changed += rollups_note_batch(batch_id=batch_id, schedule=not process)
    since = (state.swept_until or started_at) - SWEEP_OVERLAP
    edited = list(Incident.objects.filter(updated_at__gte=since).values_list("id", flat=True))
    if edited:
        changed += rollups_note_incidents(incident_ids=edited, schedule=not process)
    RollupState.objects.filter(pk=1).update(swept_until=started_at)
    processed = changed + (rollups_process_dirty() if process else 0)
    return SweepResult(batches=len(batch_ids), edited=len(edited), processed=processed)


def _process_some(limit: int, *, clear_schedule: bool = False) -> int:
    with transaction.atomic():
        _lock_state()
        if clear_schedule:
            RollupState.objects.filter(pk=1).update(processing_due_at=None)
        return rollups.process_chunk(limit, timezone.now())


def rollups_process_dirty(
    *,
    chunk: int = rollups.ID_CHUNK,
    time_budget: float = PROCESS_TIME_BUDGET,
    clear_schedule: bool = False,
) -> int:
    """Recompute dirty buckets until none is left (or the time budget is spent, then
    hand over to a fresh task), then, if the rollups changed since the last time,
    refresh key results and queue the cohorts' outcome figures. Returns the number of
    buckets recomputed."""
    began = time.monotonic()
    done = 0
    while True:
        count = _process_some(chunk, clear_schedule=clear_schedule and done == 0)
        done += count
        if count < chunk:
            break
        if time.monotonic() - began > time_budget:
            with transaction.atomic():
                _schedule_processing(timezone.now())
            break
    if _claim_dependants() or done:
        key_results_refresh()
        outcomes_remeasure_queue()
    return done


def _claim_dependants() -> bool:
    """Whether the rollups changed since key results and outcome figures were last
    refreshed; claims the refresh (a conditional update) if so."""
    return bool(
        RollupState.objects.filter(pk=1, last_change_at__isnull=False)
        .filter(Q(dependants_at__isnull=True) | Q(dependants_at__lt=F("last_change_at")))
        .update(dependants_at=F("last_change_at"))
    )


def outcomes_remeasure_queue() -> None:
    """Rollups changed: queue the worker to measure the cohorts' outcome KPIs again
    (`metrics.outcome_figures`), unless no cohort has outcomes to measure."""
    from pathways.models import Cohort

    if Cohort.objects.filter(pathways__outcomes__isnull=False).exists():
        enqueue_on_commit("metrics.tasks.cohort_outcomes_refresh")


REFRESH_AFTER = dt.timedelta(seconds=30)


def rollups_refresh_requested() -> bool:
    """A dashboard is being looked at: queue a sweep unless one ran, or was asked for,
    in the last REFRESH_AFTER (a conditional update is the claim). With a broker the
    page never waits for it; without one (the demo) it runs first, so an import
    shows up on the next page load."""
    now = timezone.now()
    recent = now - REFRESH_AFTER
    claimed = (
        RollupState.objects.filter(pk=1)
        .filter(Q(swept_until__isnull=True) | Q(swept_until__lt=recent))
        .filter(Q(sweep_requested_at__isnull=True) | Q(sweep_requested_at__lt=recent))
        .update(sweep_requested_at=now)
    )
    if not claimed:
        return False
    enqueue_on_commit("metrics.tasks.rollups_sweep")
    return True


def rollups_process_due() -> int:
    """The debounced task's body: clear the schedule, then process."""
    return rollups_process_dirty(clear_schedule=True)


# --- OKRs -----------------------------------------------------------------------------

# What a key result may track, per KPI (duration KPIs: median, p90 or mean).
STATISTICS = {
    "incident_count": {"value"},
    "rollback_rate": {"value", "count"},
    "cleanup_hours": {"value", "per_incident"},
}
DURATION_STATISTICS = ("median", "p90", "mean")


def statistics_for(kpi_key: str) -> tuple[str, ...]:
    """The statistics a key result bound to this KPI may track."""
    kpi = REGISTRY[kpi_key]
    if kpi.family == "incident":
        return tuple(sorted(STATISTICS.get(kpi_key, set(DURATION_STATISTICS))))
    return ("value",)


def key_result_check(
    *,
    kpi_key: str,
    statistic: str,
    scope: str,
    baseline_value: Decimal,
    target_value: Decimal,
    filters: dict | None = None,
) -> None:
    """What every key result must satisfy, however it is written (form, API, seed):
    a known KPI, a scope it is measured over, one of its statistics, valid filters and
    a target other than the baseline. Who may track the scope is the caller's check."""
    from . import selectors

    if kpi_key:
        kpi = REGISTRY.get(kpi_key)
        if kpi is None:
            raise MetricsError(f"Unknown KPI {kpi_key!r}.")
        try:
            parsed = selectors.scope_parse(scope)
        except Http404:
            raise MetricsError(f"Unknown scope {scope!r}.") from None
        if kpi.family == "training" and parsed.kind != "cohort":
            raise MetricsError(f"{kpi.name} is measured for a cohort: scope cohort:<id>.")
        if kpi.family == "external" and parsed.kind not in ("org", "team", "teams"):
            raise MetricsError(f"{kpi.name} is measured for the organisation or teams.")
        if statistic not in statistics_for(kpi_key):
            raise MetricsError(
                f"For {kpi_key} the statistic is one of: {', '.join(statistics_for(kpi_key))}."
            )
        selectors.filters_parse(filters or {})
    if baseline_value == target_value:
        raise MetricsError("The target must differ from the baseline.")


def objective_create(
    *,
    title: str,
    starts_on: dt.date,
    deadline: dt.date,
    description: str = "",
    owner: str = "",
    created_by: Any = None,
) -> Objective:
    objective = Objective(
        title=title,
        starts_on=starts_on,
        deadline=deadline,
        description=description,
        owner=owner,
        created_by=created_by,
    )
    objective.full_clean()
    objective.save()
    return objective


def key_result_create(
    *,
    objective: Objective,
    description: str,
    baseline_value: Decimal,
    target_value: Decimal,
    kpi_key: str = "",
    statistic: str = "value",
    scope: str = "org",
    filters: dict | None = None,
    unit: str = "",
    window_days: int = 90,
    current_value: Decimal | None = None,
    order: int = 0,
) -> KeyResult:
    """Add a key result. Bound to a KPI it is measured now and after every rollup
    run; without one, `current_value` is what someone reported."""
    key_result_check(
        kpi_key=kpi_key,
        statistic=statistic,
        scope=scope,
        baseline_value=baseline_value,
        target_value=target_value,
        filters=filters,
    )
    if kpi_key:
        current_value = None
    result = KeyResult(
        objective=objective,
        order=order,
        description=description,
        kpi_key=kpi_key,
        statistic=statistic,
        scope=scope,
        filters=filters or {},
        unit=unit or (REGISTRY[kpi_key].unit if kpi_key else ""),
        baseline_value=baseline_value,
        target_value=target_value,
        window_days=window_days,
        current_value=current_value,
        measured_at=timezone.now() if current_value is not None else None,
    )
    result.full_clean()
    result.save()
    if kpi_key:
        key_results_refresh(ids=[result.pk])
        result.refresh_from_db()
    return result


def key_result_report(*, key_result: KeyResult, value: Decimal) -> KeyResult:
    """Record the current value of a key result that is not bound to a KPI."""
    if key_result.kpi_key:
        raise MetricsError("This key result is measured from its KPI; it cannot be reported.")
    KeyResult.objects.filter(pk=key_result.pk).update(
        current_value=value, measured_at=timezone.now()
    )
    okr_stamp.okrs_changed()
    key_result.refresh_from_db()
    return key_result


def key_results_refresh(*, ids: Sequence[int] | None = None, today: dt.date | None = None) -> int:
    """Measure KPI-bound key results over their trailing window, from rollups."""
    from . import selectors

    today = today or timezone.localdate()
    results = KeyResult.objects.exclude(kpi_key="").select_related("objective")
    if ids is not None:
        results = results.filter(pk__in=ids)
    count = 0
    for result in results:
        value, n = selectors.key_result_measure(key_result=result, today=today)
        KeyResult.objects.filter(pk=result.pk).update(
            current_value=value, current_n=n, measured_at=timezone.now()
        )
        count += 1
    if count:
        okr_stamp.okrs_changed()
    return count


# --- cohort snapshots -----------------------------------------------------------------

SNAPSHOT_MAX_AGE = dt.timedelta(minutes=10)
SNAPSHOT_RUNNING_DAYS = (-14, 120)  # cohorts refreshed by the beat job, by programme day


def cohort_snapshot_refresh(*, cohort_id: int, today: dt.date | None = None) -> CohortSnapshot:
    """Recompute one cohort's training figures and replace its snapshot (idempotent)."""
    from pathways.models import Cohort

    from .training import cohort_snapshot_data

    today = today or timezone.localdate()
    cohort = Cohort.objects.get(pk=cohort_id)
    data = cohort_snapshot_data(cohort=cohort, today=today)
    snapshot, _ = CohortSnapshot.objects.update_or_create(
        cohort=cohort,
        defaults={
            "computed_at": timezone.now(),
            "computed_for": today,
            "learners": data["learners"],
            "data": data,
            "refresh_requested_at": None,
        },
    )
    if cohort.start_date <= today and data.get("team_ids"):
        # Warm the cached bootstrap intervals of the dashboard's before/after comparison
        # (the costly part of that page) for the cohort's teams.
        from .impact import impact_for_teams

        impact_for_teams(
            team_ids=data["team_ids"], start=cohort.start_date, window_days=90, today=today
        )
    return snapshot


def snapshot_is_stale(snapshot: CohortSnapshot | None, *, now: dt.datetime) -> bool:
    return (
        snapshot is None
        or snapshot.computed_for != timezone.localdate(now)
        or snapshot.computed_at < now - SNAPSHOT_MAX_AGE
    )


def cohort_snapshot_refresh_requested(*, cohort_id: int, snapshot: CohortSnapshot | None) -> bool:
    """A cohort dashboard is open: queue a refresh when the snapshot is missing or stale,
    unless one was asked for in the last minute (a conditional update is the claim).
    Without a broker (the demo) it runs before the page reads the snapshot."""
    now = timezone.now()
    if not snapshot_is_stale(snapshot, now=now):
        return False
    if snapshot is not None:
        recent = now - dt.timedelta(minutes=1)
        claimed = (
            CohortSnapshot.objects.filter(cohort_id=cohort_id)
            .filter(Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lt=recent))
            .update(refresh_requested_at=now)
        )
        if not claimed:
            return False
    enqueue_on_commit("metrics.tasks.cohort_snapshot_refresh", cohort_id)
    return True


def cohort_snapshots_refresh_running(*, today: dt.date | None = None) -> list[int]:
    """Refresh every cohort in (or about to start, or just past) its 90 days whose
    snapshot is stale. Returns their ids."""
    from pathways.models import Cohort

    today = today or timezone.localdate()
    now = timezone.now()
    first, last = SNAPSHOT_RUNNING_DAYS
    cohorts = Cohort.objects.filter(
        start_date__gte=today - dt.timedelta(days=last - 1),
        start_date__lte=today - dt.timedelta(days=first - 1),
    ).values_list("pk", flat=True)
    snapshots = {s.cohort_id: s for s in CohortSnapshot.objects.filter(cohort_id__in=cohorts)}
    refreshed = []
    for cohort_id in cohorts:
        if snapshot_is_stale(snapshots.get(cohort_id), now=now):
            cohort_snapshot_refresh(cohort_id=cohort_id, today=today)
            refreshed.append(cohort_id)
    return refreshed
