"""PostgreSQL computes rollups in SQL; the Python path (SQLite) must agree exactly."""

import pytest
from django.db import connection
from django.utils import timezone

from incidents.models import ActionItem, IncidentFactor
from metrics import rollups, services
from metrics.models import RolledIncident
from tests.metrics.conftest import at
from tests.metrics.factories import ServiceFactory, incident
from tests.metrics.rollup_helpers import SNAPSHOT_EXCLUDE, rollup_snapshot

pytestmark = pytest.mark.postgres


@pytest.fixture
def awkward_incidents(sre, ml):
    service = ServiceFactory(slug="chat-api", team=ml)
    incident(team=sre, start=at("2025-03-09T23:30:00"), ttd=0.5, tta=1.25, ttr=86400 * 400 + 1)
    incident(
        team=sre,
        start=at("2025-03-31T23:59:59"),
        ttd=60,
        ttm=600,
        ttr=601,
        cleanup="12.75",
        rolled_back=True,
        ai_related=True,
        severity="SEV1",
        failure_mode="hallucination",
    )
    incident(team=ml, start=at("2025-04-01T00:00:00+02:00"), service=service, ttd=3)
    incident(team=ml, start=None, ttd=None)
    incident(team=None, start=at("2025-10-26T01:30:00"), ttr=7200, severity="")
    reviewed = incident(team=ml, start=at("2025-03-04T10:00"), ttr=60, cleanup="0.00")
    IncidentFactor.objects.create(
        incident=reviewed, factor=reviewed.contributing_factors.model.objects.create(slug="no-eval")
    )
    ActionItem.objects.create(incident=reviewed, kind=ActionItem.Kind.PREVENT, title="Add evals")


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Los_Angeles"])
def test_sql_and_python_rollups_are_identical(awkward_incidents, settings, zone):
    assert connection.vendor == "postgresql"
    settings.TIME_ZONE = zone

    # when the SQL rebuild runs
    services.rollups_recompute_all()
    sql_rows = rollup_snapshot()
    sql_map = {r["incident_id"]: r for r in RolledIncident.objects.values(*rollups.MAP_COLUMNS)}

    # then the Python path computes the very same facts, fingerprints, map and rows
    facts = list(rollups.facts_for(None))
    assert {f.incident_id: rollups.map_row(f) for f in facts} == sql_map
    python_rows = {
        key: {k: v for k, v in bucket.row(timezone.now()).items() if k not in SNAPSHOT_EXCLUDE}
        for key, bucket in rollups.aggregate(facts).items()
    }
    assert python_rows == sql_rows
    assert sum(r["reviewed_count"] for r in sql_rows.values()) == 1


def test_a_rebuild_over_drifted_rollups_writes_only_what_differs(awkward_incidents):
    from incidents.models import Incident
    from metrics.models import IncidentRollup

    # given rollups and a map built from the incidents
    services.rollups_recompute_all()
    map_fields = ("incident_id", *rollups.MAP_COLUMNS[1:])

    # when incidents change behind the rollups' back: one deleted, one duration changed
    # (same bucket, new fingerprint), one rollup row altered, one left for a bucket that
    # no longer exists
    first, second = Incident.objects.exclude(started_at=None).order_by("pk")[:2]
    first.delete()
    Incident.objects.filter(pk=second.pk).update(
        resolved_at=second.resolved_at + timezone.timedelta(seconds=5)
    )
    IncidentRollup.objects.filter(team_id__isnull=True).update(incident_count=7)
    stray = IncidentRollup.objects.first()
    stray.pk, stray.bucket_key = None, "stray|bucket"
    stray.save()
    result = services.rollups_recompute_all()

    # then the rebuild repaired exactly those rows, and equals a build from nothing
    assert result.buckets_changed == 4  # first's bucket, second's, the altered, the stray
    repaired, repaired_map = rollup_snapshot(), set(RolledIncident.objects.values_list(*map_fields))
    fingerprint = RolledIncident.objects.get(incident_id=second.pk).fingerprint
    RolledIncident.objects.all().delete()
    IncidentRollup.objects.all().delete()
    services.rollups_recompute_all()
    assert repaired == rollup_snapshot()
    assert repaired_map == set(RolledIncident.objects.values_list(*map_fields))
    assert RolledIncident.objects.get(incident_id=second.pk).fingerprint == fingerprint
    assert not RolledIncident.objects.filter(incident_id=first.pk).exists()
    assert services.rollups_recompute_all().buckets_changed == 0


@pytest.mark.django_db
def test_bucket_keys_compare_bytewise_and_the_map_has_no_bucket_index():
    """Migration 0008: a later change to these columns must keep both (every noted
    incident pays for a collated comparison or an index on the map)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, collation_name FROM information_schema.columns "
            "WHERE column_name = 'bucket_key' AND table_name LIKE 'metrics_%%' ORDER BY 1"
        )
        assert cursor.fetchall() == [
            ("metrics_dirtybucket", "C"),
            ("metrics_incidentrollup", "C"),
            ("metrics_rolledincident", "C"),
        ]
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'metrics_rolledincident'")
        assert [row[0] for row in cursor.fetchall()] == [
            "CREATE UNIQUE INDEX metrics_rolledincident_pkey ON public.metrics_rolledincident "
            "USING btree (incident_id)"
        ]
