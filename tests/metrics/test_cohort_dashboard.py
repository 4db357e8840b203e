"""The cohort dashboard: training figures from a snapshot that agree with the cohort
rules, constant queries for 100 and 10,000 learners, permissions, CSV."""

import csv
import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from metrics import services
from metrics.models import CohortSnapshot
from org.models import Membership, User
from pathways.models import Enrollment, Progress, SkillRating
from pathways.progress import services as progress_services
from pathways.progress.selectors import cohort_progress
from tests.cohorts.factories import (
    CohortFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    pathway_with_schedule,
)
from tests.factories import TeamFactory, UserFactory
from tests.metrics.conftest import at
from tests.metrics.factories import incident
from tests.utils import count_queries

TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=44)  # day 45: phase 2, the day-30 minimums in force
# A repeated view of a cohort dashboard, its shared parts in the cache (a ceiling: fewer is fine).
COHORT_PAGE_QUERIES = 18


@pytest.fixture
def sponsor(db):
    return UserFactory(personas=["learner", "manager"], full_name="Sam Sponsor")


@pytest.fixture
def catalogue(db):
    role = RoleFactory(slug="sre", name="Site reliability engineer")
    critical, plain = SkillFactory(name="SLOs"), SkillFactory(name="Tracing")
    RoleSkillFactory(role=role, skill=critical, criticality=5, min_day30=2)
    RoleSkillFactory(role=role, skill=plain, criticality=2, min_day30=1)
    # modules due on days 14, 28 and 56, one lab each: six items
    pathway = pathway_with_schedule(role, [(1, 2), (3, 4), (5, 8)], labs=1)
    return role, (critical, plain), pathway


def populate(sponsor, catalogue, size: int, *, done_first: int = 0):
    """A team of `size` SREs managed by `sponsor`, in a cohort on day 45, enrolled;
    the first `done_first` of them finished the first module and its lab and rated 3."""
    _role, skills, pathway = catalogue
    team = TeamFactory(managers=[sponsor])
    users = User.objects.bulk_create(
        [User(email=f"{team.slug}.{n}@example.test", full_name=f"P{n:05d}") for n in range(size)]
    )
    Membership.objects.bulk_create([Membership(user=u, team=team, job_role="sre") for u in users])
    cohort = CohortFactory(pathways=[pathway], sponsor=sponsor, start_date=START)
    progress_services.cohort_add_teams(cohort=cohort, teams=[team])
    progress_services.cohort_enrol(cohort=cohort)
    first = pathway.modules.get(order=1)
    lab = first.labs.get()
    finished = Enrollment.objects.filter(user__in=users[:done_first])
    Progress.objects.bulk_create(
        [Progress(enrollment=e, module=first, status="done") for e in finished]
        + [Progress(enrollment=e, lab=lab, status="done") for e in finished]
    )
    SkillRating.objects.bulk_create(
        [
            SkillRating(person=u, skill=s, level=3, source="manager", rated_at=timezone.now())
            for u in users[:done_first]
            for s in skills
        ]
    )
    return team, cohort


def test_snapshot_counts_agree_with_the_cohort_rules(sponsor, catalogue):
    # given 5 learners, 2 of whom did the first module and lab and have skill evidence
    _team, cohort = populate(sponsor, catalogue, 5, done_first=2)

    # when
    data = services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY).data

    # then the figures are the hand-counted ones ...
    assert (data["day"], data["checkpoint"], data["learners"], data["enrolled"]) == (45, 30, 5, 5)
    baseline, hands_on, capstone = data["phases"]
    assert (baseline["items_due"], baseline["items_done"]) == (20, 4)  # 4 items × 5 learners
    assert (baseline["learners"], baseline["learners_finished"]) == (5, 0)
    assert (hands_on["items_due"], hands_on["items_done"], hands_on["started"]) == (10, 0, True)
    assert capstone["items_due"] == 0 and capstone["started"] is False
    [role] = data["roles"]
    assert (role["role"], role["learners"], role["completed"]) == (
        "Site reliability engineer",
        5,
        0,
    )
    assert role["mean_completion_pct"] == 13.2  # (33 + 33 + 0 + 0 + 0) / 5
    slos, tracing = data["heatmap"][0]["cells"]
    assert (slos["skill"], slos["minimum"], slos["mean_level"], slos["meeting_share"]) == (
        "SLOs",
        2,
        1.2,
        0.4,
    )
    assert (tracing["no_evidence"], data["at_risk_total"]) == (3, 5)
    # ... and the statuses are those of pathways.progress, learner by learner
    admin = UserFactory(personas=["learner", "admin"])
    reference = cohort_progress(cohort=cohort, viewer=admin, today=TODAY)
    assert data["status_counts"] == reference.counts
    assert sorted(r["user_id"] for r in data["at_risk"]) == sorted(
        r.person.pk for r in reference.rows if r.progress.status == "at_risk"
    )


def test_cohort_dashboard_shows_training_and_incident_figures(client, sponsor, catalogue):
    team, cohort = populate(sponsor, catalogue, 6, done_first=3)
    incident(team=team, start=at(f"{START}T10:00") - dt.timedelta(days=3), ttr=3600)
    incident(team=team, start=at(f"{START}T10:00") + dt.timedelta(days=3), ttr=1800)
    services.rollups_recompute_all()
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    client.force_login(sponsor)

    html = client.get(reverse("metrics:cohort", args=[cohort.pk])).content.decode()

    assert f"Started {START:%Y-%m-%d}: day 45 of 90 (6 learners, 6 enrolled)" in html
    assert "Days 1–30: Baseline literacy and guardrails" in html
    assert "6 of 24 (25.0 %)" in html  # days 1–30: 2 of 4 items done by 3 of 6 learners
    assert 'data-chart="chart-phases"' in html and 'id="chart-phases"' in html
    assert "2 incidents" in html  # the team's incidents, before and after the start
    assert "The dashed line marks the week the cohort started" in html
    assert "What it cannot show" in html
    assert html.count('class="status-badge status-at_risk"') == 1
    assert "P00003" in html  # an at-risk learner the sponsor manages, by name


def test_cohort_dashboard_queries_do_not_grow_with_learners(client, sponsor, catalogue):
    # given cohorts of 100 and 10,000 learners, their snapshots computed
    _, small = populate(sponsor, catalogue, 100, done_first=30)
    _, large = populate(sponsor, catalogue, 10_000, done_first=3000)
    for cohort in (small, large):
        services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    assert CohortSnapshot.objects.get(cohort=large).learners == 10_000
    client.force_login(sponsor)
    client.get(reverse("metrics:cohort", args=[small.pk]))

    def opened(cohort):
        return count_queries(lambda: client.get(reverse("metrics:cohort", args=[cohort.pk])))

    # when each dashboard is opened first (its shared parts computed, the OKR progress
    # too: it is the same on every cohort's dashboard), then again (read from the cache)
    cache.clear()
    client.get(reverse("notifications:inbox"))  # the signed-in user, read into the cache
    first_small, _ = opened(small)
    few, small_page = opened(small)
    cache.clear()
    client.get(reverse("notifications:inbox"))
    first_large, _ = opened(large)
    many, large_page = opened(large)

    # then the same queries, whatever the cohort's size; fewer the second time
    assert small_page.status_code == large_page.status_code == 200
    assert "(10000 learners, 10000 enrolled)" in large_page.content.decode()
    assert first_small == first_large
    assert many == few < first_small
    assert few <= COHORT_PAGE_QUERIES


def test_snapshot_computation_queries_do_not_grow_with_learners(sponsor, catalogue):
    _, small = populate(sponsor, catalogue, 20, done_first=5)
    _, large = populate(sponsor, catalogue, 400, done_first=100)

    few, _ = count_queries(lambda: services.cohort_snapshot_refresh(cohort_id=small.pk))
    many, _ = count_queries(lambda: services.cohort_snapshot_refresh(cohort_id=large.pk))

    assert many == few


def test_who_may_open_a_cohort_dashboard(client, sponsor, catalogue, learner, author):
    _, cohort = populate(sponsor, catalogue, 3)
    url = reverse("metrics:cohort", args=[cohort.pk])
    client.force_login(learner)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(personas=["learner", "manager"]))
    assert client.get(url).status_code == 404
    for user in (sponsor, author):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_an_author_sees_figures_but_not_names_outside_their_teams(
    client, sponsor, catalogue, author
):
    _, cohort = populate(sponsor, catalogue, 3)
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    client.force_login(author)

    html = client.get(reverse("metrics:cohort", args=[cohort.pk])).content.decode()

    assert "3 more at risk outside your teams (counted above, not named)." in html
    assert "P00000" not in html


def test_a_stale_snapshot_is_refreshed_when_the_dashboard_is_opened(
    client, sponsor, catalogue, django_capture_on_commit_callbacks
):
    _, cohort = populate(sponsor, catalogue, 2)
    client.force_login(sponsor)
    url = reverse("metrics:cohort", args=[cohort.pk])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = client.get(url).content.decode()
    assert "are being computed" in first and len(callbacks) == 1

    html = client.get(url).content.decode()
    assert "(2 learners, 2 enrolled)" in html
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.get(url)
    assert callbacks == []  # fresh: nothing more to do


def test_training_csv(client, sponsor, catalogue):
    _, cohort = populate(sponsor, catalogue, 4, done_first=2)
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    client.force_login(sponsor)

    response = client.get(reverse("metrics:cohort_training_csv", args=[cohort.pk]))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_key = {(r["section"], r["name"], r["measure"]): (r["value"], r["n"]) for r in rows}
    assert by_key[("phase", "days 1–30", "items done share")] == ("0.25", "16")
    assert by_key[("completion_by_role", "Site reliability engineer", "completed share")] == (
        "0.0",
        "4",
    )
    assert by_key[("status", "at_risk", "learners")] == ("4", "4")


def test_running_cohorts_are_refreshed_by_the_beat_job(sponsor, catalogue):
    _, running = populate(sponsor, catalogue, 2)
    old = CohortFactory(start_date=TODAY - dt.timedelta(days=400))

    assert services.cohort_snapshots_refresh_running(today=TODAY) == [running.pk]
    assert services.cohort_snapshots_refresh_running(today=TODAY) == []  # fresh now
    assert not CohortSnapshot.objects.filter(cohort=old).exists()


def test_training_api(api_client, sponsor, catalogue, learner):
    team, cohort = populate(sponsor, catalogue, 4, done_first=2)
    incident(
        team=team,
        start=at(f"{START}T10:00") + dt.timedelta(days=1),
        severity="SEV1",
        ai_related=True,
    )
    services.rollups_recompute_all()
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)
    api_client.force_authenticate(sponsor)

    body = api_client.get("/api/v1/metrics/training/", {"cohort": cohort.pk}).json()

    assert (body["cohort"]["id"], body["day"], body["learners"]) == (cohort.pk, 45, 4)
    assert body["phases"][0]["items_due"] == 16
    assert body["roles"][0]["completed"] == 0
    kpis = {k["key"]: k for k in body["kpis"]}
    assert (kpis["completion_by_role"]["value"], kpis["completion_by_role"]["n"]) == (0, 4)
    assert (
        kpis["governance_review_coverage"]["value"],
        kpis["governance_review_coverage"]["n"],
    ) == (0, 1)
    assert kpis["prepost_gain"]["value"] is None
    assert body["at_risk_total"] == 4 and len(body["at_risk"]) == 4
    api_client.force_authenticate(learner)
    assert api_client.get("/api/v1/metrics/training/", {"cohort": cohort.pk}).status_code == 403


def test_incident_api_scope_of_a_cohorts_teams(api_client, sponsor, catalogue):
    team, cohort = populate(sponsor, catalogue, 3)
    other = TeamFactory()
    incident(team=team, start=at("2025-03-04T10:00"), ttr=600)
    incident(team=other, start=at("2025-03-04T10:00"), ttr=60)
    services.rollups_recompute_all()
    api_client.force_authenticate(sponsor)

    body = api_client.get(
        "/api/v1/metrics/incidents/",
        {"scope": f"cohort:{cohort.pk}", "from": "2025-03-03", "to": "2025-03-09"},
    ).json()

    assert body["scope"]["value"] == f"cohort:{cohort.pk}"
    assert (body["total"]["incident_count"], body["total"]["mttr"]["median"]) == (1, 600)
    stranger = UserFactory(personas=["learner", "manager"])
    api_client.force_authenticate(stranger)
    response = api_client.get("/api/v1/metrics/incidents/", {"scope": f"cohort:{cohort.pk}"})
    assert response.status_code == 404


def scored(assessment, user, percent, *, phase="", minutes=None, number=1, status="scored"):
    import uuid
    from decimal import Decimal

    from assessments.models import Attempt, Score

    started = timezone.now() - dt.timedelta(days=3)
    attempt = Attempt.objects.create(
        assessment=assessment,
        user=user,
        number=number,
        phase=phase,
        status=status,
        started_at=started,
        submitted_at=None if minutes is None else started + dt.timedelta(minutes=minutes),
    )
    if status == "scored":
        Score.objects.create(
            attempt=attempt,
            points=Decimal(percent),
            max_points=Decimal(100),
            percent=Decimal(percent),
            passed=percent >= 50,
            scored_at=started + dt.timedelta(hours=1),
            claim_token=uuid.uuid4(),
        )
    return attempt


def test_assessment_figures_of_a_cohort(sponsor, catalogue):
    from assessments.models import Assessment
    from pathways.models import Pillar
    from tests.assessments.factories import AssessmentFactory

    # given three learners, a skill check of their pathway, prompt rubric reviews and a
    # timed incident-response lab check (plus attempts that must not count)
    _, _skills, pathway = catalogue
    _, cohort = populate(sponsor, catalogue, 3)
    a, b, c = (m.user for m in cohort.members.order_by("user__full_name"))
    outsider = UserFactory()
    check = AssessmentFactory(kind=Assessment.Kind.SKILL_CHECK, check_phase="both", pathway=pathway)
    for user, pre, post in ((a, 40, 70), (b, 60, 70)):
        scored(check, user, pre, phase="pre", minutes=10)
        scored(check, user, post, phase="post", minutes=10, number=2)
    scored(check, c, 50, phase="pre", minutes=10)
    scored(check, outsider, 0, phase="pre", minutes=10)
    scored(check, outsider, 100, phase="post", minutes=10, number=2)
    prompts = AssessmentFactory(
        kind=Assessment.Kind.RUBRIC, skills=[SkillFactory(pillar=Pillar.PROMPT_ENGINEERING)]
    )
    for user, percent in ((a, 80), (b, 60), (c, 70)):
        scored(prompts, user, percent, minutes=30)
    scored(AssessmentFactory(kind=Assessment.Kind.RUBRIC), c, 10, minutes=30)  # not prompts
    drill = pathway.modules.get(order=3)
    drill.pillar = Pillar.INCIDENT_RESPONSE
    drill.save()
    lab_check = AssessmentFactory(kind=Assessment.Kind.LAB_CHECK, lab=drill.labs.get())
    scored(lab_check, a, 100, minutes=20)
    scored(lab_check, b, 100, minutes=45)
    scored(lab_check, c, 0, minutes=5, status="awaiting_review")  # not scored: left out

    # when
    figures = services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY).data["assessments"]

    # then: gains 0.5 and 0.25; means 50 → 70 (gain of means 0.4)
    assert figures["prepost_gain"] == {
        "n": 2,
        "mean_pre": 50.0,
        "mean_post": 70.0,
        "gain_of_means": 0.4,
        "mean_gain": 0.375,
        "median_gain": 0.375,
    }
    assert figures["prompt_quality_score"] == {"n": 3, "mean": 70.0, "median": 70.0, "stdev": 10.0}
    # 20 and 45 minutes: median 1950 s, p90 1200 + 0.9 × 1500
    assert figures["simulated_response_time"] == {
        "n": 2,
        "median": 1950.0,
        "p90": 2550.0,
        "mean": 1950.0,
    }
    rows = {r["kpi"].key: r for r in selectors_training_kpis(figures)}
    assert (rows["prepost_gain"]["value"], rows["prepost_gain"]["n"]) == (0.375, 2)
    assert (rows["prompt_quality_score"]["value"], rows["simulated_response_time"]["value"]) == (
        70.0,
        1950.0,
    )


def selectors_training_kpis(figures):
    from metrics.selectors import training_kpis

    return training_kpis(data={"assessments": figures, "roles": []}, report=None)


def test_program_table_across_cohorts(client, sponsor, catalogue, author):
    from assessments.models import Assessment
    from metrics.selectors import program_table
    from tests.assessments.factories import AssessmentFactory

    # given a cohort whose two learners took the pathway's skill check before and after,
    # and a team incident since the start
    _, _skills, pathway = catalogue
    team, cohort = populate(sponsor, catalogue, 2)
    check = AssessmentFactory(kind=Assessment.Kind.SKILL_CHECK, check_phase="both", pathway=pathway)
    for user, pre, post in zip(
        (m.user for m in cohort.members.order_by("user__full_name")),
        (40, 80),
        (70, 90),
        strict=True,
    ):
        scored(check, user, pre, phase="pre", minutes=5)
        scored(check, user, post, phase="post", minutes=5, number=2)
    incident(
        team=team,
        start=at(f"{START}T12:00") + dt.timedelta(days=2),
        ttm=1800,
        ai_related=True,
        severity="SEV1",
    )
    services.rollups_recompute_all()
    services.cohort_snapshot_refresh(cohort_id=cohort.pk, today=TODAY)

    # when
    cohorts, rows = program_table(today=TODAY)

    # then each seed-001 metric has the cohort's figure next to the organisation's
    assert cohorts == [cohort]
    figures = {r["kpi"].key: (r["organisation"], r["cohorts"][0]) for r in rows}
    assert (figures["completion_by_role"][1].value, figures["completion_by_role"][1].n) == (0, 2)
    assert figures["prepost_gain"][1].value == 0.5  # (0.5 + 0.5) / 2
    assert figures["mttm"][1].value == 1800 and figures["mttm"][1].small_sample
    assert (figures["governance_review_coverage"][1].value, figures["mttm"][0].n) == (0, 1)
    client.force_login(author)
    html = client.get(reverse("metrics:program")).content.decode()
    assert cohort.name in html and "30 min median" in html
