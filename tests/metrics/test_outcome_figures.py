"""Outcome KPIs measured by the worker: stored per cohort × outcome (all teams and each
team), re-measured when rollups change, read by the API, the cohort dashboard and the
pathway page (for authors and managers, with the small-group rule)."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from metrics import outcome_figures, services
from metrics.models import CohortOutcome
from org.models import Membership, User
from pathways.models import CohortMember
from tests.factories import TeamFactory, UserFactory
from tests.metrics.factories import incident
from tests.metrics.test_cohort_dashboard import (  # noqa: F401
    TODAY,
    catalogue,
    populate,
    sponsor,
)
from tests.metrics.test_cohort_outcomes import (
    SINCE_DAYS,
    WEEK,
    noon,
    outcomes_for,
    per_window,
    plant,
)


def stored(cohort, scope_key="cohort"):  # type: ignore[no-untyped-def]
    return {
        r.kpi_key: r.measure
        for r in CohortOutcome.objects.filter(cohort=cohort, scope_key=scope_key)
    }


def test_the_worker_stores_the_hand_computed_figures_and_the_api_reads_them(
    api_client,
    client,
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
):
    # given a cohort's team with planted incidents (see test_cohort_outcomes)
    team, cohort = populate(sponsor, catalogue, 3)
    outcomes_for(catalogue[2])
    plant(team)

    # when the worker measures the cohort
    count = outcome_figures.cohort_outcomes_store(cohort_id=cohort.pk)

    # then three outcomes are stored for all the teams and for the one team
    assert count == 6
    rows = stored(cohort)
    assert rows == stored(cohort, f"team:{team.pk}")
    mttm = rows["mttm"]
    # MTTM median 1200 s before (600, 1200, 1800), 960 s since (900, 1020); target 720
    assert (mttm["baseline"], mttm["current"], mttm["baseline_n"], mttm["current_n"]) == (
        "1200",
        "960",
        3,
        2,
    )
    assert (Decimal(mttm["target"]), mttm["progress"], mttm["small_sample"]) == (720, 50, True)
    assert mttm["baseline_from"] == str(WEEK - dt.timedelta(days=28))
    assert "Baseline: the whole weeks" in mttm["method"]
    count_row = rows["incident_count"]
    # 3 in the 28 days before, 2 in the SINCE_DAYS since: per 28 days each
    assert (count_row["baseline"], count_row["current"], count_row["progress"]) == (
        "3.00",
        per_window(2, SINCE_DAYS),
        100,
    )
    # no latency observations: nothing to measure, no progress
    assert (
        rows["p95_inference_latency"]["baseline"],
        rows["p95_inference_latency"]["progress"],
    ) == (
        None,
        None,
    )
    # measuring again replaces the rows with the same figures
    before = {r.kpi_key: r.measure for r in CohortOutcome.objects.filter(cohort=cohort)}
    assert outcome_figures.cohort_outcomes_store(cohort_id=cohort.pk) == 6
    assert {r.kpi_key: r.measure for r in CohortOutcome.objects.filter(cohort=cohort)} == before

    # and the API serves the stored figures, marked as such
    api_client.force_authenticate(sponsor)
    body = api_client.get(reverse("api-metrics-cohort-outcomes", args=[cohort.pk])).json()
    assert body["stored"] is True and body["computed_at"]
    api = {r["kpi_key"]: r for r in body["outcomes"]}
    assert (api["mttm"]["baseline"], api["mttm"]["current"], api["mttm"]["progress"]) == (
        "1200",
        "960",
        50,
    )
    assert api["mttm"] == {**mttm, "note": ""}

    # and so does the cohort dashboard
    client.force_login(sponsor)
    services.cohort_snapshot_refresh(cohort_id=cohort.pk)
    page = client.get(reverse("metrics:cohort", args=[cohort.pk])).content.decode()
    assert "20 min <small>(n 3)</small>" in page and "16 min <small>(n 2)</small>" in page
    assert "50 %" in page and "Measured by the worker" in page


def test_without_stored_figures_they_are_computed_on_read_and_marked(
    api_client,
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
):
    team, cohort = populate(sponsor, catalogue, 3)
    outcomes_for(catalogue[2])
    plant(team)
    api_client.force_authenticate(sponsor)
    body = api_client.get(reverse("api-metrics-cohort-outcomes", args=[cohort.pk])).json()
    assert (body["stored"], body["computed_at"]) == (False, None)
    assert {r["kpi_key"]: r["current"] for r in body["outcomes"]}["mttm"] == "960"


def test_a_rollup_change_has_the_worker_measure_again(
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    team, cohort = populate(sponsor, catalogue, 3)
    outcomes_for(catalogue[2])
    plant(team)
    outcome_figures.cohort_outcomes_store(cohort_id=cohort.pk)
    first = CohortOutcome.objects.get(cohort=cohort, scope_key="cohort", kpi_key="mttm")
    assert (first.measure["current"], first.measure["current_n"]) == ("960", 2)

    # when a new hallucination since the start is rolled up (tasks run eagerly)
    new = incident(
        team=team,
        start=noon(WEEK + dt.timedelta(days=3)),
        ttm=3000,
        failure_mode="hallucination",
        ai_related=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.rollups_note_incidents(incident_ids=[new.pk], schedule=False) > 0
        services.rollups_process_dirty()

    # then the stored figures are the new ones: median of 900, 1020, 3000 = 1020
    again = CohortOutcome.objects.get(cohort=cohort, scope_key="cohort", kpi_key="mttm")
    assert (again.measure["current"], again.measure["current_n"]) == ("1020", 3)
    assert again.computed_at > first.computed_at
    count = CohortOutcome.objects.get(cohort=cohort, scope_key="cohort", kpi_key="incident_count")
    assert (count.measure["current"], count.measure["current_n"]) == (
        per_window(3, SINCE_DAYS),
        3,
    )


def _members(cohort, team, size):  # type: ignore[no-untyped-def]
    users = User.objects.bulk_create(
        [User(email=f"extra{n}.{team.slug}@example.test") for n in range(size)]
    )
    Membership.objects.bulk_create([Membership(user=u, team=team, job_role="sre") for u in users])
    CohortMember.objects.bulk_create([CohortMember(cohort=cohort, user=u) for u in users])


def test_the_pathway_page_shows_them_to_authors_and_managers_not_to_learners(
    client,
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
):
    team, cohort = populate(sponsor, catalogue, 3)
    pathway = catalogue[2]
    outcomes_for(pathway)
    plant(team)
    outcome_figures.cohort_outcomes_store(cohort_id=cohort.pk)
    url = reverse("pathways:pathway_detail", args=[pathway.slug])

    # the team's manager sees each of the three people: figures shown
    client.force_login(sponsor)
    page = client.get(url).content.decode()
    assert "Outcomes measured in cohorts" in page
    assert f'id="pathway-outcomes-{cohort.pk}"' in page
    assert "20 min <small>(n 3)</small>" in page and "16 min <small>(n 2)</small>" in page
    assert "50 %" in page and "Measured by the worker" in page

    # an author may not see those three people: a group under 5 is hidden
    author = UserFactory(personas=["learner", "author"])
    client.force_login(author)
    page = client.get(url).content.decode()
    assert f'id="cohort-outcomes-{cohort.pk}"' in page
    assert "Hidden: fewer than 5 people" in page
    assert "16 min <small>(n 2)</small>" not in page

    # with five people in the group the author sees the figures too
    _members(cohort, team, 2)
    outcome_figures.cohort_outcomes_store(cohort_id=cohort.pk)
    page = client.get(url).content.decode()
    assert "Hidden: fewer than" not in page
    assert "20 min <small>(n 3)</small>" in page and "16 min <small>(n 2)</small>" in page

    # a learner (here one in the cohort) sees the outcomes' definitions, no figures
    learner = User.objects.get(email=f"{team.slug}.0@example.test")
    client.force_login(learner)
    page = client.get(url).content.decode()
    assert page.count("Outcome KPIs") == 1
    assert "Outcomes measured in cohorts" not in page
    assert "16 min <small>(n 2)</small>" not in page


def test_stored_figures_fit_only_the_teams_and_outcomes_they_were_measured_for(
    sponsor,  # noqa: F811
    catalogue,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # given a cohort of one team, its figures stored
    team, cohort = populate(sponsor, catalogue, 3)
    outcomes_for(catalogue[2])
    plant(team)
    outcome_figures.cohort_outcomes_store(cohort_id=cohort.pk)
    scope = outcome_figures.teams_scope([team.pk])

    def read():  # type: ignore[no-untyped-def]
        return outcome_figures.cohort_outcomes_for(cohort=cohort, scope=scope, today=TODAY)

    assert read().stored

    # a member of another team joins: the stored "all teams" rows no longer fit all
    # teams, but those of the one team still fit a viewer of that team
    other = TeamFactory()
    _members(cohort, other, 1)
    assert read().stored
    everything = outcome_figures.teams_scope([team.pk, other.pk])
    with django_capture_on_commit_callbacks() as queued:
        figures = outcome_figures.cohort_outcomes_for(cohort=cohort, scope=everything, today=TODAY)
    assert not figures.stored and queued  # computed on read, the cohort queued

    # an outcome added: nothing stored fits until the worker measures again
    first = catalogue[2].outcomes.order_by("pk").first()
    first.pk, first.order = None, 9
    first.save()
    assert not read().stored and len(read().rows) == 4
    outcome_figures.cohort_outcomes_store(cohort_id=cohort.pk)
    assert read().stored and len(read().rows) == 4


def test_the_pathway_page_names_its_outcome_kpis_and_their_filters(
    client,
    catalogue,  # noqa: F811
):
    # given a pathway's outcomes: a count of AI-related incidents, MTTM of hallucinations
    # and a latency target in milliseconds
    pathway = catalogue[2]
    outcomes_for(pathway)
    learner = UserFactory(personas=["learner"])
    client.force_login(learner)

    # when anyone reads the pathway page
    page = client.get(reverse("pathways:pathway_detail", args=[pathway.slug])).content.decode()

    # then KPIs and filters are in words, targets in their unit
    assert "Incident frequency<br><small>AI-related</small>" in page
    assert "Time to mitigate (MTTM)<br><small>failure mode hallucination</small>" in page
    assert "<td>300 ms</td>" in page and "<td>-40 %</td>" in page
    assert "ai_related=True" not in page and "<code>incident_count</code>" not in page
