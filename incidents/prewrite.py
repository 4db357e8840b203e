"""A chunk's new incidents formatted for COPY ahead of its transaction.

A run writes each chunk from a background thread while the reading thread validates
the next one (`incidents.services._ChunkWriter`). Once the run has found a chunk's
records all new (its first import of them), the reading thread also formats the next
chunk's rows: ids reserved from the sequence, services and tags resolved to the ids
they already have. The writer then only sends the bytes, so the database is not kept
waiting while Python formats rows.

This is a guess, checked where it is used (`incidents.upsert.chunk_write`): the rows
are sent only if the writer still inserts without looking, the importer may write every
team, and the chunk is one wave; a record that exists after all makes the unique
constraint refuse the COPY, and the chunk is then written the usual way. A chunk with a
service or tag that has no id yet is not formatted ahead (the writer creates it).
PostgreSQL only.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models

from .bulk_insert import CopyData, copy_data
from .models import (
    ActionItem,
    ContributingFactor,
    ImportBatch,
    Incident,
    IncidentFactor,
    Service,
    TimelineEvent,
)
from .upsert import (
    FACTOR_COLUMNS,
    NEW_ROW_COLUMNS,
    _child_rows,
    new_ids,
    new_rows,
    with_children,
)
from .validation import Prepared, Rejected


@dataclass(slots=True)
class Prewritten:
    records: list[Prepared]  # the chunk's valid records, in order
    copies: list[CopyData]  # what to send, in order

    def fits(self, waves: Sequence[Sequence[Prepared]], scope: frozenset[int] | None) -> bool:
        """Whether the writer may send these rows for a chunk split into `waves`."""
        return scope is None and len(waves) == 1 and len(waves[0]) == len(self.records)


def _ids(
    model: type[models.Model], slugs: set[str], known: dict[tuple[str, str], int]
) -> dict[str, int] | None:
    """Ids of existing rows by slug (from the run's cache, else the database); None if
    any is missing."""
    label = model._meta.label
    ids: dict[str, int] = {}
    missing = []
    for slug in slugs:
        pk = known.get((label, slug))
        if pk is None:
            missing.append(slug)
        else:
            ids[slug] = pk
    if missing:
        found = dict(model.objects.filter(slug__in=missing).values_list("slug", "id"))
        if len(found) < len(missing):
            return None
        ids.update(found)
    return ids


def _dict_rows(model: type[models.Model], rows: list[dict]) -> list[CopyData]:
    if not rows:
        return []
    columns = list(rows[0])
    return [copy_data(model, columns, [[row[c] for c in columns] for row in rows])]


def chunk_prewrite(
    batch: ImportBatch,
    results: Sequence[Prepared | Rejected],
    known: dict[tuple[str, str], int],
    hints: dict[str, bool],
    now: dt.datetime,
) -> Prewritten | None:
    """The chunk's rows formatted ahead, or None when the writer would not use them."""
    if not hints.get("all_new"):
        return None
    records = [r for r in results if isinstance(r, Prepared)]
    if not records or len({r.external_id for r in records}) < len(records):
        return None  # nothing to insert, or more than one wave
    service_ids = _ids(Service, {r.service[0] for r in records if r.service}, known)
    factor_ids = _ids(ContributingFactor, {s for r in records for s in r.factors}, known)
    if service_ids is None or factor_ids is None:
        return None
    rows = new_rows(batch, records, service_ids, now)
    if not with_children(records):
        return Prewritten(records, [copy_data(Incident, NEW_ROW_COLUMNS, rows)])
    ids = new_ids(len(rows))
    if ids is None:
        return None
    for row, pk in zip(rows, ids, strict=True):
        row.append(pk)
    by_external_id = {r.external_id: pk for r, pk in zip(records, ids, strict=True)}
    factors, events, actions = _child_rows(by_external_id, records, factor_ids)
    copies = [copy_data(Incident, [*NEW_ROW_COLUMNS, "id"], rows)]
    if factors:
        copies.append(copy_data(IncidentFactor, FACTOR_COLUMNS, factors))
    copies += _dict_rows(TimelineEvent, events) + _dict_rows(ActionItem, actions)
    return Prewritten(records, copies)
