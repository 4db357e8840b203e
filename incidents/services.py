"""Writes for incidents: imports (create, preview, commit, process). Views, the API,
the command and tasks call these. The training map is in `training_map`."""

import datetime as dt
import gc
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from config.claims import worker_id
from config.querylog import queries_unlogged
from config.tasks import enqueue_on_commit
from org.models import User

from . import training_map
from .encoding import invalid_utf8
from .exceptions import IncidentsError
from .importers import Document, ImportOptions, importer_for
from .importers.base import Importer, RawRecord
from .importers.mappings import zone
from .leases import batch_claim, batch_heartbeat, batch_release, stale_running
from .models import ImportBatch, ImportDocument, Incident
from .prewrite import Prewritten, chunk_prewrite
from .selectors import import_scope
from .streaming import RecordCursor
from .upsert import chunk_write
from .validation import Directory, Prepared, Rejected, out_of_scope, validate_record

# The training map (rules, suggestions, exercise drafts) has its own module;
# its writes stay importable from here.
SUGGESTION_MIN_SCORE = training_map.SUGGESTION_MIN_SCORE
exercise_draft_create = training_map.exercise_draft_create
exercise_update = training_map.exercise_update
training_rule_create = training_map.training_rule_create
training_rule_delete = training_map.training_rule_delete
training_suggestion_decide = training_map.training_suggestion_decide
training_suggestions_refresh = training_map.training_suggestions_refresh

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5000
# A run hands over to a fresh task after this long, well inside the task time limit.
TIME_BUDGET_SECONDS = 120.0
MAX_DOCUMENT_BYTES = 200 * 2**20
PREVIEW_VALIDATE_LIMIT = 2000
SOURCE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def _storable(text: str) -> str:
    """PostgreSQL text cannot hold NUL or lone surrogates; replace them visibly."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """What an import is, checked: used by batch creation, preview and dry runs."""

    format: str
    source: str
    timezone: str
    mapping: str
    importer: Importer


def import_request_check(
    *, format: str, source: str = "", timezone: str = "UTC", mapping: str = ""
) -> ImportRequest:
    """Validate the import's parameters; `IncidentsError` says what is wrong."""
    timezone = (timezone or "UTC").strip()
    try:
        zone(timezone)
    except ValueError as exc:
        raise IncidentsError(f"Time zone: {exc}.") from None
    if format == ImportBatch.Format.MAPPED and not mapping.strip():
        raise IncidentsError("The mapped format needs a mapping file.")
    if mapping.strip() and format not in (ImportBatch.Format.MAPPED, ImportBatch.Format.MARKDOWN):
        raise IncidentsError("A mapping file is used with the mapped and markdown formats only.")
    if (not_utf8 := invalid_utf8(mapping)) is not None:
        raise IncidentsError(
            f"The mapping file is not UTF-8: {not_utf8.replace('record', 'file')}."
        )
    importer = importer_for(format, ImportOptions(timezone=timezone, mapping=mapping))
    source = (source or importer.default_source).strip().lower()
    if not SOURCE_PATTERN.match(source):
        raise IncidentsError(
            "The source name must be 1–64 lower-case letters, digits, dots, dashes or "
            "underscores, starting with a letter or digit."
        )
    return ImportRequest(format, source, timezone, mapping, importer)


def import_batch_create(
    *,
    format: str,
    documents: Iterable[Document],
    created_by: User | None,
    source: str = "",
    timezone: str = "UTC",
    mapping: str = "",
    channel: str = ImportBatch.Channel.UPLOAD,
    draft: bool = False,
    enqueue: bool = True,
) -> ImportBatch:
    """Keep the input verbatim in a new batch and, unless it is a draft, queue it.

    A draft waits for `import_batch_commit` (the upload page shows a preview first).
    """
    request = import_request_check(format=format, source=source, timezone=timezone, mapping=mapping)
    # Each part is a statement of up to a few megabytes: none is kept in a query log.
    with queries_unlogged(), transaction.atomic():
        batch = ImportBatch.objects.create(
            created_by=created_by,
            channel=channel,
            source=request.source,
            format=request.format,
            timezone=request.timezone,
            mapping=_storable(request.mapping),
            status=ImportBatch.Status.DRAFT if draft else ImportBatch.Status.PENDING,
        )
        # One part at a time (`documents` may be read from a file as it is stored).
        size = 0
        empty = True
        for n, d in enumerate(documents):
            size += len(d.content)
            if size > MAX_DOCUMENT_BYTES:
                raise IncidentsError(
                    f"The input is over {MAX_DOCUMENT_BYTES // 2**20} MB; split it into "
                    f"parts under {MAX_DOCUMENT_BYTES // 2**20} MB."
                )
            empty = empty and not d.content.strip()
            ImportDocument.objects.create(
                batch=batch,
                position=n,
                name=_storable(d.name)[:255],
                content=_storable(d.content),
                line_offset=d.line_offset,
                continues=d.continues,
            )
        if empty:
            raise IncidentsError("There is nothing to import: the input is empty.")
        if not draft and enqueue:
            _enqueue(batch.pk)
    return batch


def _enqueue(batch_id: int) -> None:
    enqueue_on_commit("incidents.tasks.import_batch_process", batch_id)


def import_batch_commit(*, batch: ImportBatch) -> ImportBatch:
    """Queue a previewed (draft) batch. Committing twice queues it once."""
    with transaction.atomic():
        moved = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.DRAFT).update(
            status=ImportBatch.Status.PENDING
        )
        if not moved:
            raise IncidentsError("This import has already been committed or discarded.")
        _enqueue(batch.pk)
    batch.refresh_from_db()
    return batch


def import_batch_discard(*, batch: ImportBatch) -> ImportBatch:
    moved = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.DRAFT).update(
        status=ImportBatch.Status.DISCARDED, finished_at=timezone.now()
    )
    if not moved:
        raise IncidentsError("Only an import that has not been committed can be discarded.")
    batch.refresh_from_db()
    return batch


def _document(pk: int) -> Document:
    name, content, line_offset, continues = ImportDocument.objects.values_list(
        "name", "content", "line_offset", "continues"
    ).get(pk=pk)
    return Document(name, content, line_offset, continues)


def _document_unlogged(pk: int) -> Document:
    with queries_unlogged():  # the reading thread's own connection
        return _document(pk)


def _documents(batch: ImportBatch, *, read_ahead: bool = False) -> Iterator[Document]:
    """The batch's documents, read one at a time (a large file is many parts).

    With `read_ahead` (on PostgreSQL, outside a transaction, as for `_ChunkWriter`), the
    next part is fetched from a background thread while the caller works on this one,
    so a run does not wait for the database between parts; one part more is held.
    """
    pks = list(batch.documents.order_by("position").values_list("pk", flat=True))
    if not (read_ahead and len(pks) > 1 and _threads_see_our_writes()):
        for pk in pks:
            yield _document(pk)
        return
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        pending = pool.submit(_document_unlogged, pks[0])
        for next_pk in pks[1:]:
            document = pending.result()
            pending = pool.submit(_document_unlogged, next_pk)
            yield document
        yield pending.result()
    finally:
        try:
            pending.cancel()
            pool.submit(lambda: connection.close()).result()  # the thread's own connection
        finally:
            pool.shutdown()


def _threads_see_our_writes() -> bool:
    """Whether another thread's connection sees what this one committed: on PostgreSQL,
    outside a transaction (inside one, e.g. a test case, the rows are not committed)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _numbered(records: Iterable[RawRecord]) -> Iterator[RawRecord]:
    for position, record in enumerate(records):
        record.position = position
        yield record


# --- preview and dry runs -------------------------------------------------------------


@dataclass(slots=True)
class PreviewRow:
    position: int
    locator: str
    action: str  # create / update / unchanged
    external_id: str
    title: str
    severity: str
    team: str
    started_at: Any


@dataclass(slots=True)
class ImportPreview:
    total: int
    validated: int
    rows: list[PreviewRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    would_create: int = 0
    would_update: int = 0
    would_keep: int = 0

    @property
    def complete(self) -> bool:
        return self.validated == self.total

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)


def import_preview(
    *,
    request: ImportRequest,
    documents: Iterable[Document],
    sample: int = 10,
    validate_limit: int | None = PREVIEW_VALIDATE_LIMIT,
    scope: frozenset[int] | None = None,
) -> ImportPreview:
    """Read and validate without writing: what an import would create, update, keep
    and reject. Validates the first `validate_limit` records (None: all); `scope`
    limits the importer to those teams (see `selectors.import_scope`)."""
    records = _numbered(request.importer.split(documents))
    chosen = records if validate_limit is None else islice(records, validate_limit)
    directory = Directory.load()
    tz = zone(request.timezone)
    results = [validate_record(r, request.importer, tz=tz, directory=directory) for r in chosen]
    # The rest is counted, not kept.
    preview = ImportPreview(total=len(results) + sum(1 for _ in records), validated=len(results))
    valid = [r for r in results if isinstance(r, Prepared)]
    preview.rejected = [r for r in results if isinstance(r, Rejected)]
    known: dict[str, str] = {}  # external id → content hash of the incidents there
    owners: dict[str, int | None] = {}  # … and their teams
    for start in range(0, len(valid), CHUNK_SIZE):
        keys = [r.external_id for r in valid[start : start + CHUNK_SIZE]]
        for external_id, content_hash, team_id in Incident.objects.filter(
            source=request.source, external_id__in=keys
        ).values_list("external_id", "content_hash", "team_id"):
            known[external_id] = content_hash
            owners[external_id] = team_id
    if scope is not None and valid:
        valid, refused = out_of_scope(valid, scope, owners)
        preview.rejected = sorted([*preview.rejected, *refused], key=lambda r: r.position)
    team_names = dict(directory.teams.values())
    seen: dict[str, str] = {}
    for record in valid:
        previous = seen.get(record.external_id, known.get(record.external_id))
        if previous is None:
            action = "create"
            preview.would_create += 1
        elif previous == record.content_hash:
            action = "unchanged"
            preview.would_keep += 1
        else:
            action = "update"
            preview.would_update += 1
        seen[record.external_id] = record.content_hash
        if len(preview.rows) < sample:
            preview.rows.append(
                PreviewRow(
                    position=record.position,
                    locator=record.locator,
                    action=action,
                    external_id=record.external_id,
                    title=record.fields["title"],
                    severity=record.fields["severity"],
                    team=team_names.get(record.fields["team_id"], ""),
                    started_at=record.fields["started_at"],
                )
            )
    return preview


def import_batch_preview(*, batch: ImportBatch, sample: int = 10) -> ImportPreview:
    request = import_request_check(
        format=batch.format, source=batch.source, timezone=batch.timezone, mapping=batch.mapping
    )
    return import_preview(
        request=request,
        documents=_documents(batch),
        sample=sample,
        scope=import_scope(batch.created_by_id),
    )


# --- processing ---------------------------------------------------------------------


def _write_with_retry(
    batch_id: int,
    start: int,
    results: list[Prepared | Rejected],
    known: dict[tuple[str, str], int] | None = None,
    hints: dict[str, bool] | None = None,
    prewritten: Prewritten | None = None,
) -> Any:
    for attempt in range(3):
        try:
            with queries_unlogged():  # this thread's connection; chunks are large statements
                return chunk_write(
                    batch_id=batch_id,
                    start=start,
                    results=results,
                    now=timezone.now(),
                    known=known,
                    hints=hints,
                    prewritten=prewritten,
                )
        except IntegrityError:
            # A row appeared between our check and our insert (a writer that does not
            # take the source lock). The retry sees it and updates instead.
            prewritten = None
            if attempt == 2:
                raise
    return None


class _ChunkWriter:
    """Writes chunks in order, each in its own transaction.

    On PostgreSQL, outside a transaction, it writes from a background thread (with
    its own connection), so the next chunk is parsed and validated while the
    database works on this one. Inside a transaction (e.g. a test case) a second
    connection could not see the caller's rows, so it writes inline.
    """

    def __init__(self, batch_id: int, created_by_id: int | None = None) -> None:
        self.batch_id = batch_id
        threaded = _threads_see_our_writes()
        self.pool = ThreadPoolExecutor(max_workers=1) if threaded else None
        self.pending: Future | None = None
        self.last: Any = True
        self.known: dict[tuple[str, str], int] = {}
        # Once a chunk of this run found none of its records, insert without looking.
        self.hints: dict[str, bool] = {}
        self.prewriting = threaded and import_scope(created_by_id) is None

    def write(self, start: int, results: list[Prepared | Rejected], pre: Any = None) -> None:
        args = (self.batch_id, start, results, self.known, self.hints, pre)
        if self.pool is None:
            self.last = _write_with_retry(*args)
        else:
            self.pending = self.pool.submit(_write_with_retry, *args)

    def previous_ok(self) -> bool:
        """Wait for the chunk in flight; False if it found the cursor moved.
        Re-raises what the write raised."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self.last = pending.result()
        last, self.last = self.last, True
        return last is not None

    def __enter__(self) -> "_ChunkWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is None:
            return
        try:
            if self.pending is not None:
                self.pending.exception()  # wait; the caller already has the error, if any
        finally:
            # The writer thread's own connection (resolved in that thread).
            self.pool.submit(lambda: connection.close()).result()
            self.pool.shutdown()


def import_batch_process(
    *,
    batch_id: int,
    time_budget: float = TIME_BUDGET_SECONDS,
    on_handover: Callable[[int], None] | None = None,
    documents: Iterable[Document] | None = None,
    worker: str = "",
) -> ImportBatch | None:
    """Parse, validate and upsert a queued batch, chunk by chunk; safe to run twice.

    Claims the batch with a conditional update (a second delivery finds nothing to
    do while the run holding it keeps its heartbeat; see `incidents.leases`). Each
    chunk commits with its counters, so a crash loses at most the chunk in flight,
    and a re-run continues at the cursor. Past `time_budget` seconds the run hands
    over to a fresh task. Any unexpected error marks the running batch failed (with
    the reason) instead of escaping, but never a batch already done; database
    outages hand the batch back (on a fresh connection) and are re-raised so the
    task retries. A caller that created the batch in this process (the command
    with --sync) may pass its `documents` to spare reading them back.
    """
    worker = worker or worker_id()
    if not batch_claim(batch_id, worker):
        return None
    try:
        with queries_unlogged(), batch_heartbeat(batch_id, worker):
            return _process(batch_id, time_budget, on_handover or _enqueue, documents)
    except (OperationalError, InterfaceError):
        batch_release(batch_id, worker)
        raise
    except Exception as exc:
        logger.exception("import batch %s failed", batch_id)
        # Only the run's own, unfinished work: a batch that committed `done` stays done.
        ImportBatch.objects.filter(
            pk=batch_id, status=ImportBatch.Status.RUNNING, claimed_by=worker
        ).update(
            status=ImportBatch.Status.FAILED,
            finished_at=timezone.now(),
            lease_expires_at=None,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return ImportBatch.objects.get(pk=batch_id)


def _process(
    batch_id: int,
    time_budget: float,
    on_handover: Callable[[int], None],
    documents: Iterable[Document] | None,
) -> ImportBatch | None:
    started = time.monotonic()
    batch = ImportBatch.objects.get(pk=batch_id)
    request = import_request_check(
        format=batch.format, source=batch.source, timezone=batch.timezone, mapping=batch.mapping
    )
    if documents is None:
        documents = _documents(batch, read_ahead=True)
    else:  # the same text the batch stored (import_batch_create keeps it verbatim)
        documents = (
            Document(d.name, _storable(d.content), d.line_offset, d.continues) for d in documents
        )
    # The cyclic garbage collector would scan the records (which live for the whole
    # run) and each chunk's results again and again: a large share of the CPU time.
    # None of them form reference cycles, so reference counting frees them; the
    # collector is paused for the run and the few cycles left are collected after.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        records = RecordCursor(
            _numbered(request.importer.split(documents)),
            reopen=lambda: _numbered(request.importer.split(_documents(batch))),
        )
        return _process_records(batch, records, request, started, time_budget, on_handover)
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(1)


def _process_records(
    batch: ImportBatch,
    records: RecordCursor,
    request: ImportRequest,
    started: float,
    time_budget: float,
    on_handover: Callable[[int], None],
) -> ImportBatch | None:
    """Records are read from the stream a chunk at a time (constant memory); the
    total is known, and stored, once the stream ends."""
    batch_id = batch.pk
    directory = Directory.load()
    tz = zone(batch.timezone)
    start = batch.processed_count
    with _ChunkWriter(batch_id, batch.created_by_id) as writer:
        while True:
            chunk = records.read(start, CHUNK_SIZE)
            # Validating and formatting this chunk overlaps the database work on the last.
            results = [
                validate_record(r, request.importer, tz=tz, directory=directory) for r in chunk
            ]
            prewritten = writer.prewriting and chunk_prewrite(
                batch, results, writer.known, writer.hints, timezone.now()
            )
            if not writer.previous_ok():
                # Another run moved the cursor (or stopped the batch): follow it.
                batch.refresh_from_db()
                if batch.status != ImportBatch.Status.RUNNING:
                    return batch
                start = batch.processed_count
                continue
            if not chunk:
                break
            writer.write(start, results, prewritten or None)
            start += len(chunk)
            if time.monotonic() - started > time_budget and records.more():
                # Hand over once the chunk in flight is written (the next loop turn
                # follows the cursor if another run got there first).
                if writer.previous_ok():
                    ImportBatch.objects.filter(
                        pk=batch_id, status=ImportBatch.Status.RUNNING
                    ).update(lease_expires_at=None)
                    on_handover(batch_id)
                    return ImportBatch.objects.get(pk=batch_id)
                writer.last = None
    with transaction.atomic():
        finished = ImportBatch.objects.filter(
            pk=batch_id, status=ImportBatch.Status.RUNNING, processed_count=start
        ).update(
            status=ImportBatch.Status.DONE,
            finished_at=timezone.now(),
            lease_expires_at=None,
            total_count=start,
        )
        if finished:
            _announce(batch_id)
    return ImportBatch.objects.get(pk=batch_id)


def _announce(batch_id: int) -> None:
    """Tell interested apps (by task name, from settings) that a batch finished.

    `INCIDENT_BATCH_DONE_TASKS` lists dotted Celery task names that take the batch
    id; the metrics app uses it to recompute the (team, week) buckets the batch
    touched. incidents never imports them.
    """
    # The batch is committed `done` before these are sent; sending never fails
    # (config.tasks keeps what the broker refuses), and a run's error handler never
    # rewrites a batch that is no longer running.
    for name in getattr(settings, "INCIDENT_BATCH_DONE_TASKS", ()):
        enqueue_on_commit(name, batch_id)


def import_batches_requeue_stale(*, pending_minutes: int = 10) -> list[int]:
    """Queue again the batches nobody is working on: running with an expired (or
    handed-over) lease, or pending for longer than `pending_minutes` (a lost
    message). A duplicate task is harmless: the claim and the cursor see to that."""
    now = timezone.now()
    stale = list(
        ImportBatch.objects.filter(
            stale_running()
            | Q(
                status=ImportBatch.Status.PENDING,
                created_at__lt=now - dt.timedelta(minutes=pending_minutes),
            )
        ).values_list("id", flat=True)
    )
    for batch_id in stale:
        _enqueue(batch_id)
    return stale
