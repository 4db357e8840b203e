"""Cohort dashboard response time for 100 and for 10,000 learners, on PostgreSQL.

Builds two cohorts on the same 12-week pathway (a role with six skills, six modules
with a lab each): one of 100 learners and one of 10,000, each in a team of its own
with skill ratings and a third of the learners through the first module. Both teams
have a year of incidents (rolled up). Both snapshots are computed, then the sponsor's
dashboard of each cohort is requested the same number of times, alternately, in one
process (the same load), and the p95 of each is printed with their ratio.

Creates and drops its own database (`trellis_bench_dashboard` on BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/postgres). Not part of the test suite.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "trellis_bench_dashboard"
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", "40"))
SIZES = (100, 10_000)
TARGET = 10.0


def _server(dbname: str) -> str:
    return urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{dbname}"))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(sql)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> int:
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME}")
    _admin(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = _server(DB_NAME)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    try:
        import django

        django.setup()
        from django.contrib.auth.models import Group
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        call_command("migrate", verbosity=0)
        from incidents.models import Incident
        from metrics import services
        from org.models import Membership, Team, User
        from pathways.models import (
            Cohort,
            Enrollment,
            Lab,
            Module,
            Pathway,
            Progress,
            Role,
            RoleSkill,
            Skill,
            SkillRating,
        )
        from pathways.progress import services as progress_services

        today = timezone.localdate()
        start = today - dt.timedelta(days=44)
        rng = random.Random(11)
        role = Role.objects.create(slug="sre", name="Site reliability engineer")
        skills = [
            Skill.objects.create(slug=f"skill-{n}", name=f"Skill {n}", pillar="observability")
            for n in range(6)
        ]
        for n, skill in enumerate(skills):
            RoleSkill.objects.create(
                role=role, skill=skill, criticality=5 - n % 5, min_day30=2, min_day60=3
            )
        pathway = Pathway.objects.create(
            slug="sre-track", title="SRE track", role=role, status=Pathway.Status.PUBLISHED
        )
        for n in range(6):
            module = Module.objects.create(
                pathway=pathway,
                order=n + 1,
                slug=f"m{n}",
                title=f"Module {n}",
                week_start=2 * n + 1,
                week_end=2 * n + 2,
            )
            Lab.objects.create(module=module, slug=f"lab{n}", title=f"Lab {n}")
        sponsor = User.objects.create_user("sponsor@bench.example", "x", full_name="Sponsor")
        sponsor.groups.add(Group.objects.get_or_create(name="manager")[0])
        cohorts = {}
        now = timezone.now()
        for size in SIZES:
            team = Team.objects.create(name=f"Team {size}", slug=f"team-{size}")
            team.managers.add(sponsor)
            users = User.objects.bulk_create(
                [
                    User(email=f"p{size}-{n}@bench.example", full_name=f"Person {size}-{n}")
                    for n in range(size)
                ],
                batch_size=2000,
            )
            Membership.objects.bulk_create(
                [Membership(user=u, team=team, job_role="sre") for u in users], batch_size=2000
            )
            SkillRating.objects.bulk_create(
                [
                    SkillRating(
                        person=u, skill=s, level=rng.randint(1, 5), source="manager", rated_at=now
                    )
                    for u in users
                    for s in skills
                ],
                batch_size=5000,
            )
            cohort = Cohort.objects.create(name=f"Cohort {size}", start_date=start, sponsor=sponsor)
            cohort.pathways.add(pathway)
            progress_services.cohort_add_teams(cohort=cohort, teams=[team])
            progress_services.cohort_enrol(cohort=cohort)
            first = pathway.modules.get(order=1)
            Progress.objects.bulk_create(
                [
                    Progress(enrollment=e, module=first, status="done")
                    for e in Enrollment.objects.filter(user__in=users[: size // 3])
                ],
                batch_size=5000,
            )
            base = dt.datetime.combine(today - dt.timedelta(days=365), dt.time(), dt.UTC)
            rows = []
            for n in range(2000):
                started = base + dt.timedelta(seconds=rng.randrange(365 * 86400))
                rows.append(
                    {
                        "source": "bench",
                        "external_id": f"{size}-{n}",
                        "title": "Incident",
                        "severity": f"SEV{rng.randint(1, 4)}",
                        "team_id": team.pk,
                        "started_at": started,
                        "detected_at": started + dt.timedelta(seconds=rng.randrange(60, 3600)),
                        "resolved_at": started + dt.timedelta(seconds=rng.randrange(4000, 90000)),
                        "ai_related": rng.random() < 0.4,
                        "failure_mode": "drift",
                        "rolled_back": rng.random() < 0.1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            Incident.objects.bulk_create([Incident(**r) for r in rows], batch_size=2000)
            cohorts[size] = cohort
        services.rollups_recompute_all()
        for size, cohort in cohorts.items():
            began = time.perf_counter()
            snapshot = services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=today)
            print(
                f"snapshot_{size}_learners_s: {time.perf_counter() - began:.3f} "
                f"({snapshot.learners} learners, {snapshot.data['at_risk_total']} at risk)"
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        client = Client(SERVER_NAME="localhost")
        client.force_login(sponsor)
        urls = {size: f"/dashboards/cohorts/{c.pk}/" for size, c in cohorts.items()}
        queries = {}
        for size, url in urls.items():  # warm up, and count queries once
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200, response.status_code
            queries[size] = len(ctx.captured_queries)
        times: dict[int, list[float]] = {size: [] for size in SIZES}
        for _ in range(REQUESTS):
            for size, url in urls.items():
                began = time.perf_counter()
                response = client.get(url)
                times[size].append(time.perf_counter() - began)
                assert response.status_code == 200
        small, large = SIZES
        for size in SIZES:
            print(
                f"cohort_dashboard_{size}_learners: p95 {p95(times[size]) * 1000:.1f} ms, "
                f"median {statistics.median(times[size]) * 1000:.1f} ms, "
                f"{queries[size]} queries, {REQUESTS} requests"
            )
        ratio = p95(times[large]) / p95(times[small])
        print(f"cohort_dashboard_p95_ratio_{large}_vs_{small}: {ratio:.2f} (target <= {TARGET})")
        connection.close()
        return 0 if ratio <= TARGET and queries[large] == queries[small] else 2
    finally:
        from django.db import connections

        connections.close_all()
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME}")


if __name__ == "__main__":
    sys.exit(main())
