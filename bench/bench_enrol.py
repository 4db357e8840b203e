"""Enrolling 10,000 people into PostgreSQL: time, query count, and a ratio against a
plain `bulk_create` of the same enrolment rows measured in the same run.

Creates its own database (BENCH_ENROL_DB, default trellis_bench_enrol) on the server
of BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) and drops it at
the end. Prints one `figure: value (…; target …)` line per figure.
"""

import os
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_ENROL_DB", "trellis_bench_enrol")
PEOPLE = 10_000
SMALL = 20
PROGRESS_TARGET_S = 2.0


def _admin(sql: str) -> None:
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(sql)


def _database_url() -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def main() -> int:
    try:
        _admin(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
    except psycopg.OperationalError as exc:
        print(f"enrol_{PEOPLE}_seconds: skipped (no PostgreSQL at BENCH_PG_URL: {exc})")
        return 0
    _admin(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = _database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.pop("REDIS_URL", None)
    try:
        import django

        django.setup()
        return run()
    finally:
        from django.db import connections

        connections.close_all()
        _admin(f'DROP DATABASE IF EXISTS "{DB_NAME}"')


def _timed(func):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - started
    return seconds, len(ctx.captured_queries), result


def run() -> int:
    from django.core.management import call_command
    from django.utils import timezone

    from org.models import Membership, Team, User
    from pathways.models import Enrollment, Module, Pathway, Role
    from pathways.progress import selectors, services

    call_command("migrate", verbosity=0)
    role = Role.objects.create(slug="sre", name="SRE")
    pathways = [
        Pathway.objects.create(
            slug=f"track-{n}", title=f"Track {n}", role=role, status="published", duration_weeks=12
        )
        for n in range(4)
    ]
    for pathway in pathways:
        Module.objects.bulk_create(
            [
                Module(
                    pathway=pathway, order=w, slug=f"m{w}", title=f"M{w}", week_start=w, week_end=w
                )
                for w in range(1, 13)
            ]
        )

    def team_of(slug: str, size: int) -> Team:
        team = Team.objects.create(slug=slug, name=slug)
        users = User.objects.bulk_create(
            [User(email=f"{slug}-{n}@bench.example", password="!") for n in range(size)]
        )
        Membership.objects.bulk_create(
            [Membership(user=u, team=team, job_role="sre") for u in users]
        )
        return team

    small_team, large_team = team_of("small", SMALL), team_of("large", PEOPLE)
    start = date(2026, 1, 5)

    def cohort_enrolment(team: Team, pathway: Pathway):  # type: ignore[no-untyped-def]
        cohort = services.cohort_create(name=team.slug, start_date=start, pathways=[pathway])

        def enrol() -> int:
            services.cohort_add_teams(cohort=cohort, teams=[team])
            return services.cohort_enrol(cohort=cohort)

        return cohort, enrol

    _, small_enrol = cohort_enrolment(small_team, pathways[0])
    small_seconds, small_queries, small_n = _timed(small_enrol)
    cohort, large_enrol = cohort_enrolment(large_team, pathways[0])
    large_seconds, large_queries, large_n = _timed(large_enrol)
    assert (small_n, large_n) == (SMALL, PEOPLE), (small_n, large_n)

    team_seconds, team_queries, team_n = _timed(
        lambda: services.team_enrol(team=large_team, pathway=pathways[1], started_on=start)
    )
    assert team_n == PEOPLE

    # Baseline: the same enrolment rows, built in Python and inserted with bulk_create.
    user_ids = list(Membership.objects.filter(team=large_team).values_list("user_id", flat=True))
    now = timezone.now()
    base_seconds, base_queries, _ = _timed(
        lambda: Enrollment.objects.bulk_create(
            [
                Enrollment(
                    user_id=uid,
                    pathway=pathways[2],
                    pathway_slug=pathways[2].slug,
                    enrolled_at=now,
                    started_on=start,
                )
                for uid in user_ids
            ]
        )
    )
    progress_seconds, progress_queries, progress = _timed(
        lambda: selectors.cohort_progress(
            cohort=cohort,
            viewer=User.objects.create_superuser("bench-admin@bench.example", "x"),
            today=date(2026, 2, 18),
        )
    )
    assert len(progress.rows) == PEOPLE

    ratio = large_seconds / base_seconds if base_seconds else float("nan")
    team_ratio = team_seconds / base_seconds if base_seconds else float("nan")
    print(
        f"enrol_{PEOPLE}_seconds: {large_seconds:.2f} "
        f"(queries: {large_queries}; target: constant queries; add a team to a cohort + enrol)"
    )
    print(
        f"enrol_{SMALL}_seconds: {small_seconds:.3f} "
        f"(queries: {small_queries}; target: same queries as {PEOPLE})"
    )
    print(
        f"enrol_queries_ratio_{PEOPLE}_to_{SMALL}: {large_queries / small_queries:.1f} "
        "(target: 1.0)"
    )
    print(
        f"team_enrol_{PEOPLE}_seconds: {team_seconds:.2f} "
        f"(queries: {team_queries}; target: 1 query)"
    )
    print(
        f"baseline_bulk_create_{PEOPLE}_seconds: {base_seconds:.2f} "
        f"(queries: {base_queries}; Python-built rows, same table)"
    )
    print(
        f"team_enrol_vs_bulk_create_ratio: {team_ratio:.2f} "
        "(target: ≤ 1.0; the same enrolment rows)"
    )
    print(
        f"enrol_vs_bulk_create_ratio: {ratio:.2f} "
        "(target: ≤ 1.5; also writes the 10,000 cohort member rows)"
    )
    print(
        f"cohort_progress_{PEOPLE}_members_seconds: {progress_seconds:.2f} "
        f"(queries: {progress_queries}; target: constant queries, ≤ {PROGRESS_TARGET_S:.0f} s)"
    )
    ok = (
        large_queries == small_queries
        and team_queries == 1
        and team_ratio <= 1.0
        and progress_seconds <= PROGRESS_TARGET_S
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
