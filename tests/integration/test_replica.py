"""Reads from a real PostgreSQL streaming replica (config.replica).

The test builds its own pair in a temporary folder with the machine's PostgreSQL
binaries (the shared server on 5432 is never touched): `initdb` + `pg_ctl` start a
private primary on a free port, `pg_basebackup -R` copies it into a streaming replica
started on another free port. gunicorn serves Trellis with DATABASE_URL on the primary
and DATABASE_REPLICA_URL on the replica. Replay on the replica is paused to make the two
differ, which shows where a page read from:

- a dashboard read goes to the replica;
- a visitor's write is on the next page (read-your-writes), while another visitor's
  list still comes from the replica;
- a replica further behind than TRELLIS_REPLICA_MAX_LAG_SECONDS, or stopped, sends
  reads back to the primary.
"""

import contextlib
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from config.replica import LAG_SQL

pytestmark = [pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
MAX_LAG = 6.0
STICKY = 2
PASSWORD = "replica-test-password"
WAIT = 60.0


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"), key=_version)
    if os.environ.get("TRELLIS_PG_BIN"):
        return Path(os.environ["TRELLIS_PG_BIN"])
    if not found:
        pytest.fail("PostgreSQL server binaries are needed (apt-get install postgresql)")
    return Path(found[-1]).parent


def _version(path: str) -> int:
    match = re.search(r"/postgresql/(\d+)/", path)
    return int(match.group(1)) if match else 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    assert predicate(), f"{what} within {timeout} s"


class Cluster:
    """One PostgreSQL server of the pair, run as the `postgres` user when we are root
    (initdb refuses root)."""

    def __init__(self, bin_dir: Path, folder: Path, name: str) -> None:
        self.bin = bin_dir
        self.data = folder / name
        self.log = folder / f"{name}.log"
        self.sockets = folder
        self.port = _free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bin / tool), *args],
            check=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=WAIT,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories="
            f"{self.sockets} -c fsync=off -c full_page_writes=off -c max_connections=40"
        )
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                 "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-m", "fast", "stop")

    def url(self, dbname: str = "trellis") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url(), autocommit=True, connect_timeout=5)


@dataclass
class Stack:
    primary: Cluster
    replica: Cluster
    base_url: str
    cohort_id: int
    email: str

    def client(self) -> httpx.Client:
        """A signed-in visitor whose sign-in (a write) is past the sticky window."""
        client = httpx.Client(base_url=self.base_url, timeout=30)
        client.get("/accounts/login/")
        answer = client.post(
            "/accounts/login/",
            data={
                "username": self.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
        )
        assert answer.status_code == 302, answer.text[:500]
        assert "trellis_primary" in client.cookies  # signing in wrote: primary for a while
        time.sleep(STICKY + 0.5)
        return client

    def primary_sql(self, sql: str, *params: object) -> None:
        with self.primary.connect() as conn:
            conn.execute(sql, params)

    def replica_value(self, sql: str) -> object:
        with self.replica.connect() as conn:
            return conn.execute(sql).fetchone()[0]

    def caught_up(self) -> bool:
        with self.primary.connect() as primary:
            (target,) = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
        with self.replica.connect() as replica:
            (done,) = replica.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (str(target),)
            ).fetchone()
        return bool(done)

    def pause_replay_after_fresh_commit(self) -> None:
        """Commit on the primary, see it replayed, then pause replay: the replica's lag
        counts from now."""
        self.primary_sql("UPDATE pathways_cohort SET name = name WHERE id = %s", self.cohort_id)
        _wait(self.caught_up, "the replica replays the primary's commits")
        with self.replica.connect() as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        _wait(
            lambda: self.replica_value("SELECT pg_get_wal_replay_pause_state()") == "paused",
            "replay pauses",
        )

    def wait_received_not_replayed(self) -> None:
        _wait(
            lambda: bool(
                self.replica_value("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()")
            ),
            "the replica receives the primary's write",
        )

    def resume_replay(self) -> None:
        with self.replica.connect() as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        _wait(self.caught_up, "the replica catches up")

    def lag(self) -> float:
        return float(self.replica_value(LAG_SQL))


SEED = """
import django
django.setup()
from tests.factories import CohortFactory, UserFactory
user = UserFactory(personas=["learner", "manager", "author", "admin"], is_staff=True)
user.set_password({password!r})
user.save()
print(CohortFactory(name="Replica cohort").pk, user.email)
"""


def _env(primary: Cluster, replica: Cluster | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": primary.url(),
        # No broker: nothing of this server reaches the suite's shared Redis or worker.
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "TRELLIS_REPLICA_STICKY_SECONDS": str(STICKY),
        "TRELLIS_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
        "TRELLIS_REPLICA_CHECK_SECONDS": "0.2",
        "TRELLIS_REPLICA_CONNECT_TIMEOUT": "2",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    if replica is not None:
        env["DATABASE_REPLICA_URL"] = replica.url()
    return env


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    bin_dir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="trellis-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    primary = Cluster(bin_dir, folder, "primary")
    replica = Cluster(bin_dir, folder, "replica")
    server: subprocess.Popen | None = None
    log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115
    try:
        primary.run("initdb", "-D", str(primary.data), "-U", "postgres", "-A", "trust",
                    "-E", "UTF8", "--no-sync", "--no-instructions")  # fmt: skip
        primary.start()
        with psycopg.connect(primary.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE trellis")
        primary.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U",
                    "postgres", "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast",
                    "--no-sync")  # fmt: skip
        replica.start()
        # The schema and data reach the replica by streaming, as in production.
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT,
                       env=_env(primary), check=True, timeout=600)  # fmt: skip
        seeded = subprocess.run(
            [sys.executable, "-c", SEED.format(password=PASSWORD)],
            cwd=ROOT, env=_env(primary), check=True, timeout=120, capture_output=True, text=True,
        )  # fmt: skip
        cohort_id, email = seeded.stdout.split()[-2:]
        port = _free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
             "--no-control-socket"],
            cwd=ROOT, env=_env(primary, replica), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            try:
                return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(answers, "gunicorn answers", timeout=120)
        result = Stack(primary, replica, base_url, int(cohort_id), email)
        _wait(result.caught_up, "the replica has the seeded data")
        yield result
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()
        for cluster in (replica, primary):
            with contextlib.suppress(subprocess.SubprocessError):
                cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _rename_cohort(stack: Stack) -> str:
    name = f"Renamed {uuid.uuid4().hex[:8]}"
    stack.primary_sql("UPDATE pathways_cohort SET name = %s WHERE id = %s", name, stack.cohort_id)
    return name


def _cohort_page(client: httpx.Client, stack: Stack) -> str:
    answer = client.get(f"/dashboards/cohorts/{stack.cohort_id}/")
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def test_a_dashboard_reads_from_the_replica(stack):
    client = stack.client()
    before = _cohort_page(client, stack)
    for _ in range(3):  # a machine too busy to stay under the lag bound tries again
        stack.pause_replay_after_fresh_commit()
        try:
            name = _rename_cohort(stack)
            stack.wait_received_not_replayed()
            page = _cohort_page(client, stack)
            in_bound = stack.lag() < MAX_LAG - 1
        finally:
            stack.resume_replay()
        if in_bound:
            break
    assert in_bound, "the replica could not be kept within the lag bound"
    assert name not in page, "the dashboard read from the primary"
    assert "<title>" in before
    # Once replay resumes, the same visitor sees the rename.
    _wait(lambda: name in _cohort_page(client, stack), "the replica's dashboard shows it")


def test_a_visitor_reads_their_own_write_while_others_read_the_replica(stack):
    writer, other = stack.client(), stack.client()
    skill = f"Replica skill {uuid.uuid4().hex[:8]}"
    stack.pause_replay_after_fresh_commit()
    try:
        form = writer.get("/author/skills/new/")
        assert form.status_code == 200
        saved = writer.post(
            "/author/skills/new/",
            data={
                "name": skill,
                "slug": skill.lower().replace(" ", "-"),
                "pillar": "testing",
                "kind": "skill",
                "description": "",
                "csrfmiddlewaretoken": writer.cookies["csrftoken"],
            },
        )
        assert saved.status_code == 302, saved.text[:500]
        assert float(writer.cookies["trellis_primary"]) > time.time()
        # The list the form leads back to shows the new skill: read from the primary.
        own = writer.get(saved.headers["location"])
        assert own.status_code == 200
        assert skill in own.text
        # Another visitor's list comes from the paused replica.
        theirs = other.get("/author/skills/")
        assert stack.lag() < MAX_LAG, "too slow to tell the replica from the primary"
        assert theirs.status_code == 200
        assert skill not in theirs.text
    finally:
        stack.resume_replay()
    _wait(lambda: skill in other.get("/author/skills/").text, "the replica shows the skill")


def test_a_replica_further_behind_than_the_bound_sends_reads_to_the_primary(stack):
    client = stack.client()
    stack.pause_replay_after_fresh_commit()
    try:
        name = _rename_cohort(stack)
        stack.wait_received_not_replayed()
        _wait(lambda: stack.lag() > MAX_LAG + 0.5, "the paused replica falls behind", 30)
        page = _cohort_page(client, stack)
    finally:
        stack.resume_replay()
    assert name in page


def test_a_stopped_replica_sends_reads_to_the_primary(stack):
    client = stack.client()
    stack.replica.stop()
    try:
        name = _rename_cohort(stack)
        started = time.monotonic()
        page = _cohort_page(client, stack)
        assert time.monotonic() - started < 10  # the connect timeout bounds the wait
        assert name in page
        skills = client.get("/author/skills/")
        assert skills.status_code == 200
    finally:
        stack.replica.start()
    _wait(stack.caught_up, "the restarted replica catches up")
