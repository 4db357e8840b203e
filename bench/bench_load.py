"""Load bench: simulated learners, managers and an importer against a production-shaped
stack on 127.0.0.1, with locust (headless).

Starts, on free ports: a private Redis, gunicorn (2 workers × 4 threads, production
settings), a default+metrics Celery worker and a scoring worker (prefetch 1) against a
database of its own seeded with the demo (`seed_demo`) plus the bench's learners. Then:

1. the mixed load: BENCH_LOAD_USERS users for BENCH_LOAD_MINUTES (default 50 users for
   2 minutes; `--long`: 200 users for 10 minutes). Prints the errors (target 0) and the
   p50/p95 of each endpoint;
2. capacity, in the same run: each page alone without pauses (BENCH_LOAD_CAPACITY_SECONDS
   each, 16 users), requests per second of `/learn/`, the module page and the cohort
   dashboard as a ratio to `/healthz` (a trivial view behind the same middleware).
   Target: at least 0.1 each.

Usage: `python bench/bench_load.py [--long]` (BENCH_PG_URL as for the other benches).
Creates and drops its own database (`trellis_bench_load`, BENCH_LOAD_DB). Not a test.
"""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LONG = "--long" in sys.argv
USERS = int(os.environ.get("BENCH_LOAD_USERS", "200" if LONG else "50"))
MINUTES = float(os.environ.get("BENCH_LOAD_MINUTES", "10" if LONG else "2"))
CAPACITY_SECONDS = int(os.environ.get("BENCH_LOAD_CAPACITY_SECONDS", "20"))
CAPACITY_USERS = 16
LEARNERS = 200
TARGET_RATIO = 0.1
DB_NAME = os.environ.get("BENCH_LOAD_DB", "trellis_bench_load")
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BIN = Path(sys.executable).parent


def _server(dbname: str) -> str:
    return urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{dbname}"))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(sql)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_http(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def _plan(tmp: Path) -> Path:
    """Seed the demo, add the bench's learners, and write who signs in as whom."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.test.utils import override_settings
    from knox.models import AuthToken

    from assessments.models import Assessment
    from org.models import Membership, Team, User
    from pathways.models import Cohort, Enrollment
    from pathways.services import enrollment_create

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    # The manifest the production storage reads, without its (slow) compression step.
    manifest_only = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": manifest_only}):
        call_command("collectstatic", interactive=False, verbosity=0)
    learner = User.objects.get(email="learner@demo.example")
    manager = User.objects.get(email="manager@demo.example")
    enrollment = Enrollment.objects.filter(user=learner).select_related("pathway").first()
    pathway = enrollment.pathway
    module = pathway.modules.order_by("order").first()
    quiz = (
        Assessment.objects.filter(kind="quiz", module__isnull=False)
        .select_related("module__pathway")
        .order_by("id")
        .first()
    )
    Assessment.objects.filter(pk=quiz.pk).update(attempts_allowed=0)  # every user, often
    pathways = {pathway.pk: pathway, quiz.module.pathway_id: quiz.module.pathway}
    cohort = Cohort.objects.order_by("id").first()
    membership = Membership.objects.filter(user=learner).first()
    group = Group.objects.get(name="learner")

    def session(user: User) -> str:
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    learners = []
    for n in range(LEARNERS):
        user, _ = User.objects.get_or_create(
            email=f"load{n}@bench.example", defaults={"full_name": f"Load Learner {n}"}
        )
        user.groups.add(group)
        Membership.objects.get_or_create(
            user=user,
            team=membership.team,
            defaults={"job_role": membership.job_role, "career_level": membership.career_level},
        )
        for each in pathways.values():
            enrollment_create(user=user, pathway=each)
        learners.append({"session": session(user), "token": AuthToken.objects.create(user=user)[1]})
    admin = User.objects.get(email="admin@demo.example")
    plan = {
        "learners": learners,
        "managers": [{"session": session(manager)} for _ in range(4)],
        "importer_token": AuthToken.objects.create(user=admin)[1],
        "team": Team.objects.order_by("id").first().slug,
        "module_url": f"/catalogue/{pathway.slug}/modules/{module.slug}/",
        "quiz_slug": quiz.slug,
        "quiz_answers": {},
        "cohort_url": f"/dashboards/cohorts/{cohort.pk}/",
        "learner_session": learners[0]["session"],
        "manager_session": session(manager),
    }
    path = tmp / "plan.json"
    path.write_text(json.dumps(plan))
    from django.db import connections

    connections.close_all()
    return path


def _locust(
    plan: Path, host: str, users: int, seconds: float, classes: list[str], prefix: Path, **env: str
) -> list[dict]:
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locust_trellis.py"),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(max(1, users // 10)),
        "-t",
        f"{int(seconds)}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
        *classes,
    ]
    subprocess.run(
        command,
        env={**os.environ, "TRELLIS_LOAD_PLAN": str(plan), **env},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=seconds + 120,
    )
    with open(f"{prefix}_stats.csv") as stats:
        return list(csv.DictReader(stats))


def main() -> int:
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    procs: list[subprocess.Popen] = []
    tmp_dir = tempfile.TemporaryDirectory(prefix="trellis-load-")
    tmp = Path(tmp_dir.name)
    try:
        return _run(tmp, procs)
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        tmp_dir.cleanup()
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _run(tmp: Path, procs: list[subprocess.Popen]) -> int:
    redis_port, web_port = _free_port(), _free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {
        **os.environ,
        "DATABASE_URL": _server(DB_NAME),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "load-bench-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "TRELLIS_AUTH_RATE": "",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
    }
    os.environ.update(
        {k: env[k] for k in ("DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_STATIC_ROOT")}
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.pop("REDIS_URL", None)
    plan = _plan(tmp)
    logs = open(tmp / "stack.log", "ab")  # noqa: SIM115

    def start(*command: str) -> None:
        procs.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT)
        )

    start("redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "")
    start(
        str(BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{web_port}",
        "--workers",
        "2",
        "--threads",
        "4",
        # Longer than any simulated user's pause (at most 10 s): with gunicorn's default
        # of 2 s, a client reusing a connection the server has just closed gets a reset.
        "--keep-alive",
        "75",
        "--no-control-socket",
    )
    celery = [str(BIN / "celery"), "-A", "config"]
    start(*celery, "worker", "-Q", "default,metrics", "-c", "1", "-n", "load-default@%h")
    start(*celery, "worker", "-Q", "scoring", "-c", "1", "--prefetch-multiplier", "1")
    host = f"http://127.0.0.1:{web_port}"
    _wait_http(f"{host}/healthz")

    print(f"mixed load: {USERS} users for {MINUTES:g} min against {host}", flush=True)
    rows = _locust(
        plan,
        host,
        USERS,
        MINUTES * 60,
        ["LearnerUser", "ManagerUser", "ImporterUser"],
        tmp / "mixed",
    )
    errors = 0
    for row in rows:
        if row["Name"] == "Aggregated":
            errors = int(row["Failure Count"])
            continue
        print(
            f"  {row['Type']} {row['Name']}: {row['Request Count']} requests, "
            f"{row['Failure Count']} errors, p50 {row['50%']} ms, p95 {row['95%']} ms"
        )
    print(f"errors: {errors} (target 0)")
    with open(f"{tmp / 'mixed'}_failures.csv") as failures:
        for row in csv.DictReader(failures):
            print(f"  error: {row['Method']} {row['Name']}: {row['Error']} ({row['Occurrences']}×)")

    details = json.loads(plan.read_text())
    targets = [
        ("/healthz", "/healthz", ""),
        ("/learn/", "/learn/", details["learner_session"]),
        ("module page", details["module_url"], details["learner_session"]),
        ("cohort dashboard", details["cohort_url"], details["manager_session"]),
    ]
    rates: dict[str, float] = {}
    for label, path, session in targets:
        (row,) = [
            r
            for r in _locust(
                plan,
                host,
                CAPACITY_USERS,
                CAPACITY_SECONDS,
                ["CapacityUser"],
                tmp / f"capacity-{len(rates)}",
                TRELLIS_LOAD_TARGET=path,
                TRELLIS_LOAD_SESSION=session,
            )
            if r["Name"] == "capacity"
        ]
        rates[label] = float(row["Requests/s"])
        failures = int(row["Failure Count"])
        errors += failures
        print(
            f"capacity {label}: {rates[label]:.1f} requests/s, p50 {row['50%']} ms, "
            f"p95 {row['95%']} ms, {failures} errors"
        )
    ok = errors == 0
    for label in ("/learn/", "module page", "cohort dashboard"):
        ratio = rates[label] / rates["/healthz"] if rates["/healthz"] else 0.0
        ok = ok and ratio >= TARGET_RATIO
        slug = label.strip("/").replace(" ", "_")
        print(f"throughput_ratio_{slug}_vs_healthz: {ratio:.3f} (target >= {TARGET_RATIO})")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
