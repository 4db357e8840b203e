"""Incident import throughput against a raw COPY, on PostgreSQL.

Imports 100,000 native records from a JSON Lines file through the product's import
path (the same service the Celery task calls: batch creation keeping the raw input,
parsing, pydantic validation, team/service resolution, hashing, chunked upserts,
counters), then copies the very rows that import produced back into the emptied
table with one raw `COPY … FROM STDIN`, and prints the ratio of the two rates: the
median over a few such pairs in the same process (BENCH_IMPORT_RUNS), each pair's two
runs back to back so that they see the same load on a shared machine.

Then runs `manage.py import_postmortems FILE --format jsonl --sync` in a fresh process
for 60,000 and for 600,000 records (BENCH_IMPORT_RSS_RECORDS) and prints each run's
maximum resident set size and their ratio: imports stream (the file is read, stored,
parsed, validated and written a part and a chunk at a time), so memory must not grow
with the input (targets: both under 300 MB, ratio at most 1.2).

BENCH_IMPORT_ONLY=upload measures only the upload requests (the last part: a gunicorn
worker receiving a file of about BENCH_UPLOAD_MB through the upload page and the API).

Creates and drops its own database (`trellis_bench_incidents` on BENCH_PG_URL,
default postgres://postgres@127.0.0.1:5432/postgres). Not part of the test suite.
"""

import datetime as dt
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECORDS = int(os.environ.get("BENCH_IMPORT_RECORDS", "100000"))
# Pairs of runs (an import, then a COPY of what it wrote), so a busy moment on a shared
# machine does not decide the figure.
RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "5"))
TARGET = 0.5
# "upload": only the upload requests' memory (the last part below), on its own.
ONLY = os.environ.get("BENCH_IMPORT_ONLY", "")
DB_NAME = os.environ.get("BENCH_IMPORT_DB", "trellis_bench_incidents")
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TEAMS = [
    ("sre", "Site Reliability Engineering"),
    ("data-eng", "Data Engineering"),
    ("ml-platform", "ML Platform"),
    ("ai-product", "AI Product"),
]
FAILURE_MODES = ["hallucination", "drift", "capacity", "bad-deployment", "dependency-outage"]


def _server(dbname: str) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(sql)


def _records(count: int) -> str:
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    out = io.StringIO()
    for n in range(count):
        start = base + dt.timedelta(minutes=5 * n)
        record = {
            "external_id": f"BENCH-{n:07d}",
            "title": f"Checkout latency above SLO on shard {n % 97}",
            "summary": "p99 latency above 2 s for the checkout API; autoscaler lagged behind.",
            "severity": f"SEV{n % 4 + 1}",
            "team": TEAMS[n % 4][0],
            "service": f"service-{n % 40}",
            "started_at": start.isoformat(),
            "detected_at": (start + dt.timedelta(seconds=60 + n % 900)).isoformat(),
            "acknowledged_at": (start + dt.timedelta(seconds=200 + n % 900)).isoformat(),
            "mitigated_at": (start + dt.timedelta(seconds=1200 + n % 3600)).isoformat(),
            "resolved_at": (start + dt.timedelta(seconds=5000 + n % 9000)).isoformat(),
            "detection_method": "monitoring",
            "ai_related": n % 3 == 0,
            "failure_mode": FAILURE_MODES[n % 5],
            "rolled_back": n % 7 == 0,
            "cleanup_hours": f"{(n % 40) / 4:.2f}",
            "root_causes": "Autoscaler cooldown longer than the traffic ramp.",
            "contributing_factors": ["capacity-alert-late"] if n % 2 else [],
        }
        out.write(json.dumps(record))
        out.write("\n")
    return out.getvalue()


def main() -> int:
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = _server(DB_NAME)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    # Without a broker the finished batch's metrics update would run inside the timed
    # import; in production it is a separate task on the metrics queue (bench_metrics
    # measures it), so it is left out here.
    os.environ["INCIDENT_BATCH_DONE_TASKS"] = ""
    try:
        return _run()
    finally:
        from django.db import connections

        connections.close_all()
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _run() -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from incidents import services
    from incidents.models import ImportBatch, Incident
    from incidents.streaming import document_parts, file_blocks
    from incidents.upsert import INCIDENT_COLUMNS
    from org.models import Team

    call_command("migrate", verbosity=0)
    for slug, name in TEAMS:
        Team.objects.create(slug=slug, name=name)
    if ONLY == "upload":
        return 0 if _upload_runs() else 2

    table = Incident._meta.db_table
    columns = ", ".join(connection.ops.quote_name(c) for c in INCIDENT_COLUMNS)

    def empty_tables(*, batches: bool) -> None:
        names = f"{table}, {ImportBatch._meta.db_table}" if batches else table
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {names} CASCADE")

    def import_once(path: Path) -> float | None:
        empty_tables(batches=True)
        # The product path: what `import_postmortems FILE --format jsonl --sync` does.
        started = time.perf_counter()
        with path.open("rb") as handle:
            batch = services.import_batch_create(
                format="jsonl",
                documents=document_parts(path.name, file_blocks(handle), "jsonl"),
                created_by=None,
                channel=ImportBatch.Channel.COMMAND,
                enqueue=False,
            )
        services.import_batch_process(batch_id=batch.pk, time_budget=3600)
        elapsed = time.perf_counter() - started
        batch.refresh_from_db()
        done = (batch.status, batch.created_count, Incident.objects.count())
        if done != ("done", RECORDS, RECORDS):
            print(f"import did not complete: {done} {batch.error}")
            return None
        return elapsed

    def copy_once() -> float | None:
        """The baseline: the rows the import just wrote, COPYed raw into the same
        (emptied) table. They refer to that import's batch, which stays."""
        buffer = io.BytesIO()
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY (SELECT {columns} FROM {table} ORDER BY id) TO STDOUT") as out,
        ):
            for data in out:
                buffer.write(data)
        payload = buffer.getvalue()
        empty_tables(batches=False)
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for offset in range(0, len(payload), 1 << 20):
                copy.write(payload[offset : offset + (1 << 20)])
        elapsed = time.perf_counter() - started
        if Incident.objects.count() != RECORDS:
            print("baseline COPY did not load every row")
            return None
        return elapsed

    # Pairs of runs, an import then a COPY of what it wrote, so that both sides of each
    # pair see the same machine load; the median of the pairs' ratios decides.
    import_times: list[float] = []
    copy_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "incidents.jsonl"
        path.write_text(_records(RECORDS))
        size_mb = path.stat().st_size / 2**20
        for _ in range(RUNS):
            imported = import_once(path)
            copied = copy_once() if imported is not None else None
            if imported is None or copied is None:
                return 1
            import_times.append(imported)
            copy_times.append(copied)

    pair_ratios = [c / i for i, c in zip(import_times, copy_times, strict=True)]
    ratio = statistics.median(pair_ratios)
    import_rate = RECORDS / min(import_times)
    copy_rate = RECORDS / min(copy_times)

    def seconds(times: list[float]) -> str:
        return ", ".join(f"{t:.2f} s" for t in times)

    print(f"records: {RECORDS} ({size_mb:.1f} MB of JSON Lines)")
    print(f"import_rows_per_s: {import_rate:.0f} (best of {seconds(import_times)})")
    print(f"copy_rows_per_s: {copy_rate:.0f} (best of {seconds(copy_times)})")
    print(
        f"import_rows_per_s_ratio: {ratio:.3f} (median of the pairs "
        f"{', '.join(f'{r:.3f}' for r in pair_ratios)}; target >= {TARGET})"
    )
    memory_ok = _memory_runs(empty_tables)
    json_memory_ok = _memory_runs(empty_tables, format="json")
    upload_ok = _upload_runs()
    return 0 if ratio >= TARGET and memory_ok and json_memory_ok and upload_ok else 2


def _slim_records(count: int, path: Path, *, array: bool = False, pad: int = 0) -> None:
    """Short records (about 230 bytes), so 600,000 stay under the 200 MB input limit;
    one per line, or (`array`) as a JSON array; `pad` adds a summary that long."""
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with path.open("w") as out:
        out.write("[\n" if array else "")
        for n in range(count):
            start = base + dt.timedelta(minutes=5 * n)
            record = {
                "external_id": f"RSS-{n:07d}",
                "title": f"Checkout latency above SLO on shard {n % 97}",
                "severity": f"SEV{n % 4 + 1}",
                "team": TEAMS[n % 4][0],
                "service": f"service-{n % 40}",
                "started_at": start.isoformat(),
                "resolved_at": (start + dt.timedelta(seconds=5000 + n % 9000)).isoformat(),
            }
            if pad:
                record["summary"] = f"{n} " + "x" * pad
            separator = ",\n" if array and n < count - 1 else "\n"
            out.write(json.dumps(record) + separator)
        out.write("]\n" if array else "")


# Linux starts a program's maximum resident set size (ru_maxrss) at the peak of the
# address space it replaced at exec: a command started straight from this process (a
# few hundred MB once the throughput phase has run, whether spawned by fork or vfork)
# would report at least this process's size, not its own. So a small launcher starts
# the command and reports the command's own peak, on the last line of its output.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
sys.stdout.flush()
print(f"\\nmax_rss_kb={usage.ru_maxrss}", flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _max_rss(command: list[str]) -> tuple[int, str, int]:
    """Run `command` (from a small launcher, see above): its exit code, its output
    (stdout and stderr) and its maximum resident set size in kB."""
    launcher = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    output, _, last = launcher.stdout.decode().rstrip().rpartition("\n")
    if not last.startswith("max_rss_kb="):
        return launcher.returncode or 1, launcher.stdout.decode(), 0
    return launcher.returncode, output, int(last.removeprefix("max_rss_kb="))


def _memory_runs(empty_tables, format: str = "jsonl") -> bool:  # type: ignore[no-untyped-def]
    """Max RSS of the import command, in its own process, for each input size: JSON Lines,
    or (format="json") one JSON array."""
    sizes = [int(n) for n in os.environ.get("BENCH_IMPORT_RSS_RECORDS", "60000,600000").split(",")]
    peaks: list[float] = []
    for count in sizes:
        empty_tables(batches=True)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"incidents.{format}"
            _slim_records(count, path, array=format == "json")
            size_mb = path.stat().st_size / 2**20
            started = time.perf_counter()
            returncode, output, peak_kb = _max_rss(
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "import_postmortems",
                    str(path),
                    *("--format", format, "--sync"),
                ]
            )
            elapsed = time.perf_counter() - started
        if returncode != 0 or f"{count} created" not in output:
            print(f"{format} import of {count} records failed: {output[-2000:]}")
            return False
        peak = peak_kb / 1024
        peaks.append(peak)
        label = "" if format == "jsonl" else f"{format}_"
        print(
            f"import_max_rss_mb_{label}{count}: {peak:.0f} ({size_mb:.0f} MB {format} file, "
            f"{elapsed:.0f} s, target < 300)"
        )
    ratio = peaks[-1] / peaks[0]
    print(f"import_max_rss_ratio_{label}{sizes[-1]}_vs_{sizes[0]}: {ratio:.2f} (target <= 1.2)")
    return max(peaks) < 300 and ratio <= 1.2


UPLOAD_TARGET_MB = 150
UPLOAD_FILE_MB = float(os.environ.get("BENCH_UPLOAD_MB", "195"))


def _vm_peak_mb(pid: int) -> float:
    """The process's maximum resident set size so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def _upload_runs() -> bool:
    """Max RSS of a gunicorn worker (1 worker, 2 threads) receiving a file of about
    UPLOAD_FILE_MB: once through the upload page (multipart, format json) and once as an
    API body of records. Each request is made on a fresh worker; the figure is that
    worker's peak, start-up included. The requests store the input and return (a broker
    that nobody reads takes the API's task), so only receiving is measured."""
    import socket

    import httpx

    from incidents.models import ImportBatch
    from tests.factories import UserFactory

    password = "bench-upload-password"
    user = UserFactory(personas=["learner", "author", "admin"], is_staff=True)
    user.set_password(password)
    user.save()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        upload = Path(tmp) / "upload.json"
        body = Path(tmp) / "body.json"
        count = int(UPLOAD_FILE_MB * 2**20 / 260)
        _slim_records(count, upload, array=True)
        records = int(UPLOAD_FILE_MB * 2**20 / 2100)
        records_path = Path(tmp) / "records.json"
        _slim_records(records, records_path, array=True, pad=1800)
        with body.open("w") as out, records_path.open() as source:
            out.write('{"format": "json", "name": "bench", "records": ')
            shutil.copyfileobj(source, out)
            out.write("}")
        records_path.unlink()
        for label, path in (("upload", upload), ("api", body)):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            env = {
                **os.environ,
                "DJANGO_DEBUG": "false",
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "DJANGO_LOG_LEVEL": "WARNING",
            }
            server = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application",
                 "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
                 "--timeout", "600", "--no-control-socket"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + 120
                while True:
                    try:
                        httpx.get(f"{base}/healthz", timeout=2)
                        break
                    except httpx.HTTPError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.3)
                worker = _worker_pid(server.pid)
                # The worker's own size once it has served a request (URLs, views loaded).
                baseline = _vm_peak_mb(worker)
                before = ImportBatch.objects.count()
                started = time.perf_counter()
                answer = _upload(base, path, label, user.email, password)
                elapsed = time.perf_counter() - started
                peak = _vm_peak_mb(worker)
            finally:
                server.terminate()
                server.wait(timeout=60)
            stored = ImportBatch.objects.count() == before + 1
            size_mb = path.stat().st_size / 2**20
            if answer.status_code not in (202, 302) or not stored:
                print(
                    f"{label} of {size_mb:.0f} MB failed: {answer.status_code} {answer.text[:300]}"
                )
                ok = False
                continue
            print(
                f"upload_request_max_rss_mb_{label}: {peak:.0f} ({size_mb:.0f} MB file, "
                f"{elapsed:.0f} s, target < {UPLOAD_TARGET_MB}; the worker held {baseline:.0f} "
                f"MB after /healthz, so the request added {peak - baseline:.0f} MB)"
            )
            ok = ok and peak < UPLOAD_TARGET_MB
    return ok


def _upload(base: str, path: Path, label: str, email: str, password: str):  # type: ignore[no-untyped-def]
    """Sign in and send `path` (streamed from disk by httpx)."""
    import httpx

    token = "b" * 32  # any token whose cookie and form copies match
    client = httpx.Client(base_url=base, timeout=600, cookies={"csrftoken": token})
    signed_in = client.post(
        "/accounts/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
    )
    if signed_in.status_code != 302:
        return signed_in
    # Signing in rotates the token: the server's cookie (with its domain) replaces ours.
    server_tokens = [c.value for c in client.cookies.jar if c.name == "csrftoken" and c.domain]
    if server_tokens:
        client.cookies.delete("csrftoken", domain="")
        token = server_tokens[-1]
    with path.open("rb") as handle:
        if label == "upload":
            return client.post(
                "/incidents/import/",
                data={"format": "json", "timezone": "UTC", "csrfmiddlewaretoken": token},
                files={"files": (path.name, handle, "application/json")},
            )
        return client.post(
            "/api/v1/incidents/",
            content=handle,
            headers={"Content-Type": "application/json", "X-CSRFToken": token},
        )


if __name__ == "__main__":
    sys.exit(main())
