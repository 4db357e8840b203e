"""Changed incidents are applied to their buckets as deltas: exactly once, moving
values between buckets' sorted lists, and falling back to a recompute from the map
when a bucket does not hold what the map says."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from incidents.models import Incident
from metrics import services
from metrics.models import DirtyBucket, IncidentRollup, RolledIncident
from tests.metrics.conftest import at
from tests.metrics.factories import incident
from tests.metrics.rollup_helpers import import_records, rollup_snapshot

WEEK = "2025-03-03"


def equals_a_full_rebuild() -> bool:
    incremental = rollup_snapshot()
    return services.rollups_recompute_all().buckets_changed == 0 and (
        incremental == rollup_snapshot()
    )


def bucket(team, day: str = WEEK) -> IncidentRollup:
    return IncidentRollup.objects.get(team=team, slice_start=dt.date.fromisoformat(day))


def note(*incidents: Incident) -> int:
    return services.rollups_note_incidents(incident_ids=[i.pk for i in incidents])


def test_a_replayed_batch_is_counted_once(sre, django_capture_on_commit_callbacks):
    from metrics.tasks import rollups_note_batch

    services.rollups_recompute_all()
    batch = import_records(
        [
            {
                "external_id": f"R-{n}",
                "title": "Down",
                "team": "sre",
                "severity": "SEV2",
                "started_at": "2025-03-04T10:00:00Z",
                "resolved_at": f"2025-03-04T1{n}:00:00Z",
            }
            for n in (1, 2, 3)
        ]
    )

    # when the batch's task runs, and runs again (a redelivered or retried message)
    with django_capture_on_commit_callbacks(execute=True):
        assert rollups_note_batch.apply(args=[batch.pk]).get() == 1
        assert rollups_note_batch.apply(args=[batch.pk]).get() == 0
    services.rollups_sweep()

    # then each incident is counted once
    row = bucket(sre.pk)
    assert (row.incident_count, row.ttr_n) == (3, 3)
    assert row.ttr_values == ",".join(str(h * 3600 * 10**6) for h in (1, 2, 3))
    assert RolledIncident.objects.count() == 3
    assert equals_a_full_rebuild()


def test_an_update_moves_an_incident_and_its_values_between_buckets(sre, ml):
    # given three incidents in one bucket, two with the same resolution time
    same = [incident(team=sre, start=at(f"{WEEK}T10:00"), ttr=600, cleanup="1.50") for _ in "ab"]
    other = incident(team=sre, start=at(f"{WEEK}T10:00"), ttr=60, ttd=5, rolled_back=True)
    services.rollups_recompute_all()
    assert bucket(sre.pk).ttr_values == "60000000,600000000,600000000"

    # when one of the two moves to another team and a later week, resolved later
    Incident.objects.filter(pk=same[0].pk).update(
        team=ml, started_at=at("2025-03-11T10:00"), resolved_at=at("2025-03-11T10:30")
    )
    assert note(same[0]) == 2

    # then its values left the old bucket once, and joined the new one
    old, new = bucket(sre.pk), bucket(ml.pk, "2025-03-10")
    assert (old.incident_count, old.ttr_values, old.cleanup_values) == (
        2,
        "60000000,600000000",
        "150",
    )
    assert (new.incident_count, new.ttr_values, new.ttr_sum_us) == (1, "1800000000", 1800 * 10**6)

    # and when the other incident's values change within its bucket
    Incident.objects.filter(pk=other.pk).update(rolled_back=False, resolved_at=None)
    assert note(other) == 1
    old = bucket(sre.pk)
    assert (old.rolled_back_count, old.ttr_n, old.ttr_values, old.ttd_n) == (0, 1, "600000000", 1)
    assert equals_a_full_rebuild()


def test_several_changes_in_one_bucket_and_an_emptied_bucket(sre, ml):
    # given two incidents in an ML bucket and one in an SRE bucket
    first = incident(team=ml, start=at(f"{WEEK}T10:00"), ttr=300, ttm=100)
    second = incident(team=ml, start=at(f"{WEEK}T11:00"), ttr=900, ttm=100)
    lone = incident(team=sre, start=at(f"{WEEK}T09:00"), ttr=50)
    services.rollups_recompute_all()

    # when both ML incidents change values, two new ones join, and the SRE one is deleted
    Incident.objects.filter(pk=first.pk).update(resolved_at=at(f"{WEEK}T12:00"))
    Incident.objects.filter(pk=second.pk).update(mitigated_at=None)
    added = [incident(team=ml, start=at(f"{WEEK}T10:00"), ttr=s) for s in (10, 5000)]
    lone_id = lone.pk
    lone.delete()
    changed = services.rollups_note_incidents(
        incident_ids=[first.pk, second.pk, lone_id, *(i.pk for i in added)]
    )

    # then the ML bucket holds all four, sorted, and the SRE bucket is gone
    assert changed == 2
    row = bucket(ml.pk)
    assert row.incident_count == 4
    assert row.ttr_values == "10000000,900000000,5000000000,7200000000"
    assert (row.ttm_n, row.ttm_values) == (1, "100000000")
    assert not IncidentRollup.objects.filter(team=sre).exists()
    assert not RolledIncident.objects.filter(incident_id=lone_id).exists()
    assert equals_a_full_rebuild()


def test_a_bucket_that_drifted_from_the_map_is_recomputed_not_patched(sre):
    # given a bucket whose row no longer holds what the map says (edited by hand)
    kept = incident(team=sre, start=at(f"{WEEK}T10:00"), ttr=600)
    services.rollups_recompute_all()
    IncidentRollup.objects.filter(team=sre).update(ttr_values="1", ttr_sum_us=1)

    # when an incident of that bucket changes, the delta would not fit: on PostgreSQL
    # the bucket is marked instead of patched, and processing recomputes it from the
    # map (elsewhere touched buckets are always recomputed from the map)
    Incident.objects.filter(pk=kept.pk).update(resolved_at=None, updated_at=timezone.now())
    note(kept)
    if connection.vendor == "postgresql":
        assert list(DirtyBucket.objects.values_list("bucket_key", flat=True)) == [
            bucket(sre.pk).bucket_key
        ]
        assert services.rollups_process_dirty() == 1
    assert (bucket(sre.pk).ttr_n, bucket(sre.pk).ttr_values) == (0, "")
    assert equals_a_full_rebuild()


def test_a_change_to_a_bucket_marked_dirty_waits_for_its_recompute(sre):
    # given a bucket marked dirty (its row is recomputed from the map by processing)
    incident(team=sre, start=at(f"{WEEK}T10:00"), ttr=600)
    services.rollups_recompute_all()
    key = bucket(sre.pk).bucket_key
    DirtyBucket.objects.create(bucket_key=key, marked_at=timezone.now())

    # when another incident joins it, the map records it and the row waits
    joined = incident(team=sre, start=at(f"{WEEK}T11:00"), ttr=60)
    assert note(joined) == 1
    assert bucket(sre.pk).incident_count == 1
    assert RolledIncident.objects.filter(bucket_key=key).count() == 2

    # and processing counts both
    assert services.rollups_process_dirty() == 1
    assert (bucket(sre.pk).incident_count, bucket(sre.pk).ttr_values) == (
        2,
        "60000000,600000000",
    )
    assert equals_a_full_rebuild()
