"""Dashboards in the browser's terms: who sees what, partial updates, CSV, query counts."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics import services
from metrics.demo import seed_okrs
from metrics.models import KeyResult
from tests.factories import UserFactory
from tests.metrics.conftest import at
from tests.metrics.factories import incident
from tests.metrics.rollup_helpers import import_records
from tests.utils import count_queries

RANGE = {"period": "week", "from": "2025-03-03", "to": "2025-03-09"}


@pytest.fixture
def sre_manager(sre):
    user = UserFactory(personas=["learner", "manager"])
    sre.managers.add(user)
    return user


@pytest.fixture
def week(sre, ml):
    incident(team=sre, start=at("2025-03-03T10:00"), ttd=60, ttr=600, severity="SEV1")
    incident(
        team=sre, start=at("2025-03-04T10:00"), ttd=120, ttr=1200, severity="SEV2", ai_related=True
    )
    incident(team=sre, start=at("2025-03-05T10:00"), ttd=300, ttr=3000, severity="SEV1")
    incident(team=ml, start=at("2025-03-05T10:00"), ttd=1, ttr=2)
    services.rollups_recompute_all()


def test_team_dashboard_shows_median_p90_mean_and_the_method(client, week, sre_manager):
    client.force_login(sre_manager)

    response = client.get(reverse("metrics:team_incidents", args=["sre"]), RANGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Site Reliability Engineering: incident KPIs" in html
    # MTTR over the range: 600, 1200, 3000 → median 20 min, p90 44 min, mean 26 min 40 s
    assert '<td data-seconds="1200">20 min</td>' in html
    assert '<td data-seconds="2640">44 min</td>' in html
    assert '<td data-seconds="1600">26 min 40 s</td>' in html
    assert "small sample" in html
    assert "percentile_cont 0.5" in html and "<code>started_at</code>" in html
    assert 'data-chart="chart-mttr-trend" data-config="{&quot;' in html
    assert "vendor/chartjs/chart.umd.min.js" in html


def test_htmx_filter_returns_only_the_panel(client, week, sre_manager):
    client.force_login(sre_manager)

    response = client.get(
        reverse("metrics:team_incidents", args=["sre"]),
        {**RANGE, "severity": "SEV2"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "<html" not in html and "<h1>" not in html
    assert "1 incident<" in html  # only the SEV2 one
    assert '<td data-seconds="1200">20 min</td>' in html


def test_csv_download_has_exact_seconds(client, week, sre_manager):
    client.force_login(sre_manager)

    response = client.get(reverse("metrics:team_incidents_csv", args=["sre"]), RANGE)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="incident-kpis-sre-week-2025-03-03-2025-03-09.csv"'
        in (response["Content-Disposition"])
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2  # the week and the total
    week_row = rows[0]
    assert (week_row["period_start"], week_row["period_end"]) == ("2025-03-03", "2025-03-09")
    assert (week_row["mttr_n"], week_row["mttr_median_s"], week_row["mttr_p90_s"]) == (
        "3",
        "1200",
        "2640",
    )
    assert week_row["mttd_mean_s"] == "160"
    assert week_row["mttr_small_sample"] == "yes"


@pytest.mark.parametrize("who", ["learner", "other_manager"])
def test_others_are_refused(client, week, learner, who):
    user = learner if who == "learner" else UserFactory(personas=["learner", "manager"])
    client.force_login(user)
    for name in ("metrics:team_incidents", "metrics:team_incidents_csv"):
        assert client.get(reverse(name, args=["sre"])).status_code == 403


def test_unknown_team_is_404(client, week, sre_manager):
    client.force_login(sre_manager)
    assert client.get(reverse("metrics:team_incidents", args=["nope"])).status_code == 404


def test_bad_filters_fall_back_with_a_message(client, week, sre_manager):
    client.force_login(sre_manager)

    response = client.get(reverse("metrics:team_incidents", args=["sre"]), {"from": "yesterday"})

    assert response.status_code == 200
    assert "from must be a date, YYYY-MM-DD." in response.content.decode()


def test_team_dashboard_queries_do_not_grow_with_incidents(client, sre, sre_manager):
    client.force_login(sre_manager)
    url = reverse("metrics:team_incidents", args=["sre"])
    params = {"period": "month", "from": "2025-01-01", "to": "2025-12-31"}
    incident(team=sre, start=at("2025-03-03T10:00"), ttr=60)
    services.rollups_recompute_all()
    client.get(url, params)
    few, _ = count_queries(lambda: client.get(url, params))
    for day in range(0, 360, 2):
        for severity in ("SEV1", "SEV2", "SEV4"):
            incident(
                team=sre,
                start=at("2025-01-01T09:00") + dt.timedelta(days=day),
                ttd=30,
                ttr=60 + day,
                severity=severity,
                failure_mode="drift",
            )
    services.rollups_recompute_all()

    many, response = count_queries(lambda: client.get(url, params))

    assert "541 incidents" in response.content.decode()
    assert many == few


def test_a_dashboard_visit_picks_up_an_unannounced_import(
    client, sre, sre_manager, django_capture_on_commit_callbacks
):
    # given rollups, then an import batch nobody noted (tasks run eagerly here)
    services.rollups_recompute_all()
    import_records(
        [
            {
                "external_id": "X-1",
                "title": "Checkout down",
                "team": "sre",
                "started_at": "2025-03-04T10:00:00Z",
                "resolved_at": "2025-03-04T10:30:00Z",
            }
        ]
    )
    from metrics.models import RollupState

    RollupState.objects.update(swept_until=at("2025-01-01T00:00"))
    client.force_login(sre_manager)

    # when the dashboard is opened, it asks for a sweep (run eagerly here, on commit)
    url = reverse("metrics:team_incidents", args=["sre"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.get(url, RANGE)
    assert len(callbacks) == 1

    # then the import is in the figures, and a second visit asks for nothing more
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        html = client.get(url, RANGE).content.decode()
    assert callbacks == []

    assert '<td data-seconds="1800">30 min</td>' in html


def test_program_page_is_for_authors_and_admins(client, week, author, sre_manager):
    client.force_login(sre_manager)
    assert client.get(reverse("metrics:program")).status_code == 403
    client.force_login(author)

    html = client.get(reverse("metrics:program")).content.decode()

    for name in (
        "Training completion by role",
        "Pre/post skills assessment",
        "Prompt quality score",
        "Model incident response time",
        "Governance review coverage",
    ):
        assert name in html
    for owner in ("Internal L&amp;D", "Program lead", "Security / compliance"):
        assert owner in html


def test_okr_page_shows_progress_of_seeded_objectives(client, sre_manager, sre):
    seed_okrs(today=dt.date(2025, 6, 30))
    manual = KeyResult.objects.get(description__startswith="Token-level telemetry")
    client.force_login(sre_manager)

    html = client.get(reverse("metrics:okrs")).content.decode()

    assert "Spend less time cleaning up after AI features" in html
    assert "Make AI features dependable" in html
    assert (manual.baseline_value, manual.target_value, manual.current_value) == (
        Decimal(20),
        Decimal(80),
        Decimal(45),
    )
    assert manual.progress == 42  # (45 − 20) / (80 − 20)
    assert 'value="42" max="100"' in html


def test_impact_page_compares_trained_teams(client, sre_manager, sre, ml):
    for day in range(-14, 14):
        when = dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC) + dt.timedelta(days=day)
        incident(team=sre, start=when, ttr=600 if day >= 0 else 1200)
        incident(team=ml, start=when, ttr=1200)
    services.rollups_recompute_all()
    client.force_login(sre_manager)

    html = client.get(
        reverse("metrics:impact"), {"teams": "sre", "start": "2025-06-02", "window_days": "14"}
    ).content.decode()

    assert "Before: 2025-05-19" in html
    # the trained team went from 20 to 10 minutes, the other stayed at 20
    assert "20 min → 10 min" in html and "20 min → 20 min" in html
    assert "<td>−10 min</td>" in html
    assert "What it cannot show" in html


def test_without_recent_incidents_the_default_view_ends_at_the_latest_one(client, sre, sre_manager):
    # given incidents only long before the default twelve weeks
    incident(team=sre, start=at("2025-01-07T10:00"), ttr=600)
    incident(team=sre, start=at("2025-03-04T10:00"), ttr=1200)
    services.rollups_recompute_all()
    client.force_login(sre_manager)

    html = client.get(reverse("metrics:team_incidents", args=["sre"])).content.decode()

    # then the twelve weeks up to the latest incident are shown, and said so
    assert "showing the 12 weeks up to the latest one (2025-03-03)." in html
    assert "Weeks from 2024-12-16 to 2025-03-09" in html
    assert "2 incidents" in html


def test_impact_page_shows_staggered_cohorts_with_charts_and_placebo(client, sre_manager, sre, ml):
    # given two teams of the manager's in a cohort from 2 June 2025, whose MTTR halves
    # from then on, and two teams never trained
    from tests.factories import CohortFactory, CohortMemberFactory, MembershipFactory, TeamFactory

    sre2, other = TeamFactory(slug="sre-2"), TeamFactory(slug="other")
    sre2.managers.add(sre_manager)
    cohort = CohortFactory(start_date=dt.date(2025, 6, 2))
    for team in (sre, sre2):
        CohortMemberFactory(cohort=cohort, user=MembershipFactory(team=team).user)
    for day in range(-28, 14):
        when = dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC) + dt.timedelta(days=day)
        for k, team in enumerate((sre, sre2)):
            incident(team=team, start=when, ttr=(600 if day >= 0 else 1200) + (day * k) % 5)
        for k, team in enumerate((ml, other)):
            incident(team=team, start=when, ttr=1200 + (day * (k + 1)) % 7)
    services.rollups_recompute_all()
    client.force_login(sre_manager)

    html = client.get(
        reverse("metrics:impact"), {"teams": "sre", "start": "2025-06-02", "window_days": "14"}
    ).content.decode()

    section = html[html.index('id="staggered-heading"') :]
    assert "2 trained teams in cohorts starting 2025-06-02; 2 teams never trained." in section
    # an event study for each KPI with data (incidents, MTTR, rollbacks), a forest plot
    assert section.count('<svg class="impact-chart"') == 3
    assert section.count('<svg class="impact-chart forest"') == 3
    assert "weeks from the start" in section and "Placebo: earlier fake start" in section
    assert "could be told from chance" in section or "Not enough data" in section
    assert "<script" not in section.split("</section>")[0]
    # MTTR fell by 10 min for the trained team against the other: shown as the effect
    mttr = section[section.index("Time to resolve (MTTR)</th>") :].split("</tr>")[0]
    assert "−10 min" in mttr


def test_a_manager_of_untrained_teams_sees_no_estimate(client, ml):
    from tests.factories import CohortFactory, CohortMemberFactory, MembershipFactory

    manager = UserFactory(personas=["learner", "manager"])
    ml.managers.add(manager)
    other = MembershipFactory().team
    cohort = CohortFactory(start_date=dt.date(2025, 6, 2))
    CohortMemberFactory(cohort=cohort, user=MembershipFactory(team=other).user)
    client.force_login(manager)

    html = client.get(reverse("metrics:impact")).content.decode()

    assert "nothing to estimate" in html
    assert client.get(reverse("metrics:impact")).status_code == 200
    learner = UserFactory(personas=["learner"])
    client.force_login(learner)
    assert client.get(reverse("metrics:impact")).status_code == 403
