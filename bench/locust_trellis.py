"""Simulated Trellis users for `bench/bench_load.py` (locust).

Learners read their landing page and modules and take a quiz over the API, managers read
the cohort dashboard, an importer posts batches of incidents. Each user signs in with a
session or token prepared by the bench (so the sign-in rate limit and password hashing do
not decide the figures). `CapacityUser` hits one page without pause; the bench runs it
per page to measure what each page can serve next to `/healthz`.
"""

import itertools
import json
import os
import random
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, constant, task

PLAN = json.loads(open(os.environ["TRELLIS_LOAD_PLAN"]).read())  # noqa: SIM115
_people = itertools.cycle(PLAN["learners"])
_managers = itertools.cycle(PLAN["managers"])
_batch = itertools.count()


class LearnerUser(HttpUser):
    weight = 7
    wait_time = between(1, 3)

    def on_start(self) -> None:
        person = next(_people)
        self.client.cookies.set("sessionid", person["session"])
        self.token = {"Authorization": f"Token {person['token']}"}

    @task(4)
    def landing(self) -> None:
        self.client.get("/learn/", name="/learn/")

    @task(3)
    def module(self) -> None:
        self.client.get(PLAN["module_url"], name="module page")

    @task(1)
    def quiz(self) -> None:
        started = self.client.post(
            f"/api/v1/assessments/{PLAN['quiz_slug']}/attempts/",
            headers=self.token,
            name="quiz: start",
        )
        if started.status_code not in (200, 201):
            return
        attempt = started.json()["id"]
        answers = {str(q): a for q, a in PLAN["quiz_answers"].items()}
        self.client.post(
            f"/api/v1/attempts/{attempt}/save/",
            json={"answers": answers},
            headers=self.token,
            name="quiz: save",
        )
        self.client.post(
            f"/api/v1/attempts/{attempt}/submit/", headers=self.token, name="quiz: submit"
        )


class ManagerUser(HttpUser):
    weight = 2
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", next(_managers)["session"])

    @task(3)
    def cohort_dashboard(self) -> None:
        self.client.get(PLAN["cohort_url"], name="cohort dashboard")

    @task(1)
    def incidents(self) -> None:
        self.client.get("/incidents/", name="incident list")


class ImporterUser(HttpUser):
    weight = 1
    fixed_count = 1
    wait_time = between(5, 10)

    def on_start(self) -> None:
        self.token = {"Authorization": f"Token {PLAN['importer_token']}"}

    @task
    def post_batch(self) -> None:
        number = next(_batch)
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=number)
        records = [
            {
                "external_id": f"LOAD-{os.getpid()}-{number}-{n}",
                "title": f"Load bench incident {number}/{n}",
                "severity": random.choice(["SEV1", "SEV2", "SEV3", "SEV4"]),
                "team": PLAN["team"],
                "service": "checkout",
                "started_at": (start + timedelta(minutes=n)).isoformat(),
                "resolved_at": (start + timedelta(minutes=n + 45)).isoformat(),
            }
            for n in range(50)
        ]
        self.client.post(
            "/api/v1/incidents/",
            json={"records": records, "source": "load-bench"},
            headers=self.token,
            name="import batch",
        )


class CapacityUser(HttpUser):
    """One page, no pause (TRELLIS_LOAD_TARGET: its path; a session when it needs one)."""

    weight = 1  # run alone (the bench names the classes of each run)
    wait_time = constant(0)

    def on_start(self) -> None:
        if os.environ.get("TRELLIS_LOAD_SESSION"):
            self.client.cookies.set("sessionid", os.environ["TRELLIS_LOAD_SESSION"])

    @task
    def page(self) -> None:
        self.client.get(os.environ["TRELLIS_LOAD_TARGET"], name="capacity")
