"""Writing one chunk of an import: upsert by (source, external_id), history, children,
rejected records and the batch counters — all in one transaction.

Concurrency: the batch row is locked and its cursor checked, so a chunk is applied
once even if two workers run the same batch; on PostgreSQL a transaction-scoped
advisory lock per source serialises chunks of different batches that write the
same source, so "exists?" answers stay true until commit. The unique constraint
on (source, external_id) stays the last line: a writer that bypasses the lock gets
an IntegrityError and the caller retries the chunk, which then sees the row.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F

from config.claims import claim_timeout

from .bulk_insert import _on_postgres, copy_send, insert_rows, insert_values
from .models import (
    ActionItem,
    ContributingFactor,
    ImportBatch,
    Incident,
    IncidentFactor,
    IncidentRevision,
    RejectedRecord,
    Service,
    TimelineEvent,
)
from .selectors import import_scope
from .validation import Prepared, Rejected, out_of_scope

# Service and tag ids a run remembers across its chunks (`known`), at most.
KNOWN_IDS_LIMIT = 20_000

INCIDENT_COLUMNS = [
    f.column
    for f in Incident._meta.concrete_fields
    if not f.primary_key  # the id comes from its sequence
]
SCALAR_FIELDS = [
    "title",
    "summary",
    "url",
    "severity",
    "severity_original",
    "status",
    "team_id",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "detection_method",
    "ai_related",
    "failure_mode",
    "rolled_back",
    "deployment_ref",
    "customer_impact",
    "cleanup_hours",
    "trigger",
    "root_causes",
    "resolution",
    "lessons_went_well",
    "lessons_went_wrong",
    "lessons_got_lucky",
    "attributes",
    "dropped_fields",
]


@dataclass(slots=True)
class ChunkCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


def _source_key(source: str) -> int:
    digest = hashlib.blake2b(f"incidents:{source}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _begin_chunk(source: str) -> None:
    """Serialise chunk writers of one source, and do not wait for the WAL flush.

    Not waiting for the flush is safe here: a chunk's rows and the batch cursor
    commit together, so a server crash can only lose both, and the re-run redoes
    that chunk. The batch's final "done" commit is synchronous, which also flushes
    every chunk before it. (One round trip: the key is a literal, not a parameter.)
    """
    if _on_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL synchronous_commit TO OFF; "
                f"SELECT pg_advisory_xact_lock({_source_key(source)})"
            )


def _slugs_to_ids(
    model: type[models.Model],
    wanted: dict[str, dict[str, Any]],
    known: dict[tuple[str, str], int],
    learned: dict[tuple[str, str], int],
) -> dict[str, int]:
    """Ids by slug, creating the missing rows (`wanted`: slug → defaults).

    `known` holds ids from earlier chunks of the run; what this chunk finds goes to
    `learned`, which the caller merges into `known` once the chunk has committed.
    """
    label = model._meta.label
    ids = {slug: known[(label, slug)] for slug in wanted if (label, slug) in known}
    todo = [slug for slug in wanted if slug not in ids]
    if not todo:
        return ids
    found = dict(model.objects.filter(slug__in=todo).values_list("slug", "id"))
    missing = [model(slug=slug, **wanted[slug]) for slug in todo if slug not in found]
    if missing:
        model.objects.bulk_create(missing, ignore_conflicts=True)
        found = dict(model.objects.filter(slug__in=todo).values_list("slug", "id"))
    learned.update({(label, slug): pk for slug, pk in found.items()})
    ids.update(found)
    return ids


def _waves(records: Iterable[Prepared]) -> list[list[Prepared]]:
    """Split so that no external id repeats within a wave (later waves win)."""
    waves: list[list[Prepared]] = []
    seen: dict[str, int] = {}
    for record in records:
        n = seen.get(record.external_id, 0)
        seen[record.external_id] = n + 1
        if n == len(waves):
            waves.append([])
        waves[n].append(record)
    return waves


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _child_rows(
    incident_ids: dict[str, int], records: Sequence[Prepared], factor_ids: dict[str, int]
) -> tuple[list[tuple[int, int]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The children's rows: (incident, factor) pairs, timeline events, action items."""
    factors: list[tuple[int, int]] = []
    events, actions = [], []
    for record in records:
        incident_id = incident_ids[record.external_id]
        if record.factors:
            factors.extend((incident_id, factor_ids[slug]) for slug in record.factors)
        if record.timeline:
            events.extend({"incident_id": incident_id, **event} for event in record.timeline)
        if record.action_items:
            actions.extend({"incident_id": incident_id, **item} for item in record.action_items)
    return factors, events, actions


def _children(
    incident_ids: dict[str, int], records: Sequence[Prepared], factor_ids: dict[str, int]
) -> None:
    factors, events, actions = _child_rows(incident_ids, records, factor_ids)
    insert_values(IncidentFactor, FACTOR_COLUMNS, factors)
    insert_rows(TimelineEvent, events)
    insert_rows(ActionItem, actions)


FACTOR_COLUMNS = ["incident_id", "factor_id"]


_SEQUENCE: dict[str, str] = {}


def new_ids(count: int) -> list[int] | None:
    """Ids for `count` new incidents, reserved up front on PostgreSQL (so the rows can be
    COPYed and their children written without reading the ids back). The sequence's
    name is looked up once per process, not once per id."""
    if not _on_postgres():
        return None
    table = Incident._meta.db_table
    with connection.cursor() as cursor:
        sequence = _SEQUENCE.get(table)
        if sequence is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = _SEQUENCE[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
            [sequence, count],
        )
        return cursor.fetchone()[0]


NEW_ROW_COLUMNS = [
    *SCALAR_FIELDS,
    "source",
    "external_id",
    "service_id",
    "raw",
    "raw_format",
    "content_hash",
    "created_at",
    "updated_at",
    "created_batch_id",
    "last_batch_id",
]


def new_rows(
    batch: ImportBatch,
    records: Sequence[Prepared],
    service_ids: dict[str, int],
    now: dt.datetime,
) -> list[list[Any]]:
    """New incidents' rows, as lists in NEW_ROW_COLUMNS order (Prepared.fields is built
    in SCALAR_FIELDS order)."""
    return [
        [
            *record.fields.values(),
            batch.source,
            record.external_id,
            service_ids[record.service[0]] if record.service else None,
            record.raw,
            batch.format,
            record.content_hash,
            now,
            now,
            batch.pk,
            batch.pk,
        ]
        for record in records
    ]


def with_children(records: Sequence[Prepared]) -> bool:
    return any(r.factors or r.timeline or r.action_items for r in records)


def _insert_new(
    batch: ImportBatch,
    records: Sequence[Prepared],
    service_ids: dict[str, int],
    factor_ids: dict[str, int],
    now: dt.datetime,
    prewritten: Any = None,  # incidents.prewrite.Prewritten
) -> None:
    if not records:
        return
    if prewritten is not None:  # formatted ahead (incidents.prewrite): only sent here
        for data in prewritten.copies:
            copy_send(data)
        return
    rows = new_rows(batch, records, service_ids, now)
    children = with_children(records)
    if _on_postgres() and not children:
        insert_values(Incident, NEW_ROW_COLUMNS, rows)
        return
    ids = new_ids(len(rows))
    if ids is not None:
        for row, pk in zip(rows, ids, strict=True):
            row.append(pk)
        insert_values(Incident, [*NEW_ROW_COLUMNS, "id"], rows)
        by_external_id = {r.external_id: pk for r, pk in zip(records, ids, strict=True)}
    else:
        created = Incident.objects.bulk_create(
            [Incident(**dict(zip(NEW_ROW_COLUMNS, row, strict=True))) for row in rows],
            batch_size=500,
        )
        by_external_id = {incident.external_id: incident.pk for incident in created}
    if children:
        _children(by_external_id, records, factor_ids)


def _child_state(incident_ids: list[int]) -> dict[int, dict[str, list]]:
    state: dict[int, dict[str, list]] = {
        pk: {"contributing_factors": [], "timeline": [], "action_items": []} for pk in incident_ids
    }
    for incident_id, slug in IncidentFactor.objects.filter(
        incident_id__in=incident_ids
    ).values_list("incident_id", "factor__slug"):
        state[incident_id]["contributing_factors"].append(slug)
    for event in TimelineEvent.objects.filter(incident_id__in=incident_ids).values(
        "incident_id", "position", "at", "kind", "description"
    ):
        state[event.pop("incident_id")]["timeline"].append(event)
    for item in ActionItem.objects.filter(incident_id__in=incident_ids).values(
        "incident_id", "position", "kind", "title", "owner", "due", "status", "url"
    ):
        state[item.pop("incident_id")]["action_items"].append(item)
    for value in state.values():
        value["contributing_factors"].sort()
        value["timeline"].sort(key=lambda e: e["position"])
        value["action_items"].sort(key=lambda e: e["position"])
    return state


def _update_changed(
    batch: ImportBatch,
    records: Sequence[Prepared],
    existing: dict[str, int],
    service_ids: dict[str, int],
    factor_ids: dict[str, int],
    now: dt.datetime,
) -> tuple[int, int]:
    """Apply changed records; returns (updated, unchanged-after-all)."""
    if not records:
        return 0, 0
    by_id = Incident.objects.select_related("team", "service").in_bulk(
        [existing[r.external_id] for r in records]
    )
    children_before = _child_state(list(by_id))
    team_slugs = {}
    if any(r.fields["team_id"] for r in records):
        from org.models import Team

        team_slugs = dict(
            Team.objects.filter(id__in={r.fields["team_id"] for r in records}).values_list(
                "id", "slug"
            )
        )
    service_slugs = {v: k for k, v in service_ids.items()}
    incidents, revisions, replace_children = [], [], []
    updated = unchanged = 0
    for record in records:
        incident = by_id[existing[record.external_id]]
        changes: dict[str, list] = {}
        for name, new in record.fields.items():
            old = getattr(incident, name)
            if old != new:
                if name == "team_id":
                    changes["team"] = [
                        incident.team.slug if incident.team else None,
                        team_slugs.get(new),
                    ]
                else:
                    changes[name] = [_jsonable(old), _jsonable(new)]
                setattr(incident, name, new)
        service_id = service_ids[record.service[0]] if record.service else None
        if incident.service_id != service_id:
            changes["service"] = [
                incident.service.slug if incident.service else None,
                service_slugs.get(service_id),
            ]
            incident.service_id = service_id
        before = children_before[incident.pk]
        after = {
            "contributing_factors": sorted(record.factors),
            "timeline": record.timeline,
            "action_items": record.action_items,
        }
        children_changed = False
        for name in ("contributing_factors", "timeline", "action_items"):
            if before[name] != after[name]:
                changes[name] = [
                    [_jsonable_row(x) for x in before[name]],
                    [_jsonable_row(x) for x in after[name]],
                ]
                children_changed = True
        if children_changed:
            replace_children.append(record)
        incident.raw = record.raw
        incident.raw_format = batch.format
        incident.content_hash = record.content_hash
        if changes:
            incident.updated_at = now
            incident.last_batch_id = batch.pk
            revisions.append(
                IncidentRevision(
                    incident=incident,
                    batch=batch,
                    changed_by_id=batch.created_by_id,
                    changed_at=now,
                    changes=changes,
                )
            )
            updated += 1
        else:
            unchanged += 1  # same values, differently written
        incidents.append(incident)
    Incident.objects.bulk_update(
        incidents,
        [
            *SCALAR_FIELDS,
            "service_id",
            "raw",
            "raw_format",
            "content_hash",
            "updated_at",
            "last_batch_id",
        ],
        batch_size=200,
    )
    IncidentRevision.objects.bulk_create(revisions)
    if replace_children:
        ids = {r.external_id: existing[r.external_id] for r in replace_children}
        id_list = list(ids.values())
        IncidentFactor.objects.filter(incident_id__in=id_list).delete()
        TimelineEvent.objects.filter(incident_id__in=id_list).delete()
        ActionItem.objects.filter(incident_id__in=id_list).delete()
        _children(ids, replace_children, factor_ids)
    return updated, unchanged


def _jsonable_row(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _existing(source: str, external_ids: list[str]) -> list[tuple[str, int, str]]:
    """(external_id, id, content_hash) of the incidents that already exist."""
    if _on_postgres():
        # One array parameter instead of thousands of placeholders.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT external_id, id, content_hash FROM {Incident._meta.db_table} "
                "WHERE source = %s AND external_id = ANY(%s)",
                [source, external_ids],
            )
            return cursor.fetchall()
    return list(
        Incident.objects.filter(source=source, external_id__in=external_ids).values_list(
            "external_id", "id", "content_hash"
        )
    )


def _owners(source: str, external_ids: list[str]) -> dict[str, int | None]:
    """external id → team id of the incidents of `source` that already exist."""
    return dict(
        Incident.objects.filter(source=source, external_id__in=external_ids).values_list(
            "external_id", "team_id"
        )
    )


def _slug_ids(
    records: Sequence[Prepared],
    known: dict[tuple[str, str], int],
    learned: dict[tuple[str, str], int],
) -> tuple[dict[str, int], dict[str, int]]:
    service_ids = _slugs_to_ids(
        Service,
        {
            r.service[0]: {"name": r.service[1], "team_id": r.fields["team_id"]}
            for r in records
            if r.service
        },
        known,
        learned,
    )
    factor_ids = _slugs_to_ids(
        ContributingFactor,
        {slug: {"name": slug} for r in records for slug in r.factors},
        known,
        learned,
    )
    return service_ids, factor_ids


def _upsert_wave(
    batch: ImportBatch,
    records: list[Prepared],
    now: dt.datetime,
    known: dict[tuple[str, str], int],
    learned: dict[tuple[str, str], int],
    hints: dict[str, bool],
    prewritten: Any = None,  # incidents.prewrite.Prewritten
) -> ChunkCounts:
    counts = ChunkCounts()
    if hints.get("all_new"):
        # Optimistic first import: insert without looking first. The unique
        # constraint refuses the chunk if any record exists; then look, as below,
        # for the rest of the run. Rows formatted ahead already hold their ids.
        if prewritten is None:
            service_ids, factor_ids = _slug_ids(records, known, learned)
        else:
            service_ids, factor_ids = {}, {}
        try:
            with transaction.atomic():
                _insert_new(batch, records, service_ids, factor_ids, now, prewritten=prewritten)
        except IntegrityError:
            hints["all_new"] = False
        else:
            counts.created = len(records)
            return counts
    existing_rows = _existing(batch.source, [r.external_id for r in records])
    existing = {ext: pk for ext, pk, _ in existing_rows}
    hashes = {ext: digest for ext, _, digest in existing_rows}
    new = [r for r in records if r.external_id not in existing]
    changed = [
        r for r in records if r.external_id in existing and hashes[r.external_id] != r.content_hash
    ]
    counts.unchanged = len(records) - len(new) - len(changed)
    service_ids, factor_ids = _slug_ids(new + changed, known, learned)
    _insert_new(batch, new, service_ids, factor_ids, now)
    counts.created = len(new)
    updated, same = _update_changed(batch, changed, existing, service_ids, factor_ids, now)
    counts.updated = updated
    counts.unchanged += same
    if len(new) == len(records):
        hints["all_new"] = True
    return counts


class _Stale(Exception):
    """The batch moved on while this chunk was being written: roll the chunk back."""


def chunk_write(
    *,
    batch_id: int,
    start: int,
    results: Sequence[Prepared | Rejected],
    now: dt.datetime,
    known: dict[tuple[str, str], int] | None = None,
    hints: dict[str, bool] | None = None,
    prewritten: Any = None,  # incidents.prewrite.Prewritten
) -> ChunkCounts | None:
    """Write one chunk whose first record is number `start` of the batch.

    The batch counters move in the same transaction, on the condition that the
    cursor is still at `start` and the batch still running; otherwise the chunk
    is rolled back and None returned (another run got there first). `known` caches
    service and tag ids across the chunks of a run. `prewritten`: the chunk's rows
    formatted ahead (incidents.prewrite), used only if they still fit.
    """
    known = {} if known is None else known
    hints = {} if hints is None else hints
    learned: dict[tuple[str, str], int] = {}
    batch = ImportBatch.objects.only("id", "source", "format", "created_by_id").get(pk=batch_id)
    total = ChunkCounts()
    try:
        with transaction.atomic():
            _begin_chunk(batch.source)
            prepared = [r for r in results if isinstance(r, Prepared)]
            rejected = [r for r in results if isinstance(r, Rejected)]
            scope = import_scope(batch.created_by_id)
            if scope is not None and prepared:
                # Looked up under the source lock, so the owners cannot change meanwhile.
                owners = _owners(batch.source, [r.external_id for r in prepared])
                prepared, refused = out_of_scope(prepared, scope, owners)
                rejected.extend(refused)
            total.rejected = len(rejected)
            waves = _waves(prepared)
            if prewritten is not None and not prewritten.fits(waves, scope):
                prewritten = None
            for wave in waves:
                counts = _upsert_wave(batch, wave, now, known, learned, hints, prewritten)
                total.created += counts.created
                total.updated += counts.updated
                total.unchanged += counts.unchanged
            insert_rows(
                RejectedRecord,
                [
                    {
                        "batch_id": batch_id,
                        "position": r.position,
                        "locator": r.locator[:255],
                        "raw": r.raw,
                        "errors": r.errors,
                    }
                    for r in rejected
                ],
            )
            moved = ImportBatch.objects.filter(
                pk=batch_id, status=ImportBatch.Status.RUNNING, processed_count=start
            ).update(
                processed_count=F("processed_count") + len(results),
                created_count=F("created_count") + total.created,
                updated_count=F("updated_count") + total.updated,
                unchanged_count=F("unchanged_count") + total.unchanged,
                rejected_count=F("rejected_count") + total.rejected,
                lease_expires_at=now + claim_timeout(),
                heartbeat_at=now,
            )
            if not moved:
                raise _Stale
    except _Stale:
        return None
    if len(known) + len(learned) > KNOWN_IDS_LIMIT:
        known.clear()  # a cache: bounded, whatever the number of services and tags
    known.update(learned)
    return total
