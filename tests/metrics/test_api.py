"""The metrics API: exact figures with their method, permissions, schema."""

import datetime as dt

import pytest
import yaml
from django.utils import timezone
from openapi_spec_validator import validate

from metrics import services
from tests.factories import TeamFactory, UserFactory
from tests.metrics.conftest import at
from tests.metrics.factories import incident
from tests.utils import count_queries

URL = "/api/v1/metrics/incidents/"


@pytest.fixture
def sre_week(sre, ml):
    incident(
        team=sre,
        start=at("2025-03-03T10:00"),
        ttd=60,
        tta=30,
        ttm=600,
        ttr=600,
        severity="SEV1",
        rolled_back=True,
        cleanup="2.50",
    )
    incident(
        team=sre,
        start=at("2025-03-04T10:00"),
        ttd=120,
        tta=90,
        ttm=900,
        ttr=1200,
        severity="SEV2",
        cleanup="1.25",
    )
    incident(team=sre, start=at("2025-03-05T10:00"), ttd=300, ttr=3000, severity="SEV1")
    incident(team=sre, start=at("2025-03-12T10:00"), ttd=45, ttr=50, severity="SEV3")
    incident(team=ml, start=at("2025-03-04T10:00"), ttd=9999, severity="SEV1")
    services.rollups_recompute_all()


@pytest.fixture
def sre_manager(sre):
    user = UserFactory(personas=["learner", "manager"])
    sre.managers.add(user)
    return user


def test_team_report_has_per_period_figures_and_method(api_client, sre_week, sre_manager):
    api_client.force_authenticate(sre_manager)

    response = api_client.get(
        URL, {"scope": "team:sre", "period": "week", "from": "2025-03-03", "to": "2025-03-16"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == {"value": "team:sre", "label": "Site Reliability Engineering"}
    assert (body["from"], body["to"]) == ("2025-03-03", "2025-03-16")
    first, second = body["periods"]
    assert (first["start"], first["end"], first["incident_count"]) == (
        "2025-03-03",
        "2025-03-09",
        3,
    )
    assert first["mttd"] == {
        "n": 3,
        "excluded": 0,
        "median": 120,
        "p90": 264,
        "mean": 160,
        "small_sample": True,
    }
    assert first["mtta"] == {
        "n": 2,
        "excluded": 1,
        "median": 60,
        "p90": 84,
        "mean": 60,
        "small_sample": True,
    }
    assert first["mttr"]["median"] == 1200 and first["mttr"]["p90"] == 2640
    assert first["rollback_rate"] == {"count": 1, "n": 3, "rate": 0.3333, "small_sample": True}
    assert first["cleanup_hours"] == {
        "n": 2,
        "excluded": 1,
        "total": 3.75,
        "per_incident": 1.875,
        "small_sample": True,
    }
    assert second["incident_count"] == 1 and second["mttr"]["median"] == 50
    assert body["total"]["incident_count"] == 4
    assert body["method"]["period_timestamp"] == "started_at"
    assert body["method"]["median"] == "interpolated (percentile_cont 0.5)"
    assert body["method"]["small_sample_below"] == 5
    assert [k["key"] for k in body["kpis"]] == [
        "incident_count",
        "mttd",
        "mtta",
        "mttm",
        "mttr",
        "rollback_rate",
        "cleanup_hours",
    ]


def test_severity_filter_and_month_periods(api_client, sre_week, sre_manager):
    api_client.force_authenticate(sre_manager)

    body = api_client.get(
        URL,
        {
            "scope": "team:sre",
            "period": "month",
            "from": "2025-03-01",
            "to": "2025-03-31",
            "severity": "SEV1",
        },
    ).json()

    assert body["filters"] == {"severity": ["SEV1"]}
    [march] = body["periods"]
    assert (march["start"], march["end"], march["incident_count"]) == (
        "2025-03-01",
        "2025-03-31",
        2,
    )
    assert march["mttr"]["median"] == 1800  # (600 + 3000) / 2


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"scope": "team:sre", "period": "day"}, 400, "period is one of"),
        ({"scope": "team:sre", "from": "March"}, 400, "from must be a date"),
        ({"scope": "team:sre", "severity": "SEV9"}, 400, "Unknown severity"),
        ({"scope": "planet:earth"}, 400, "scope is one of"),
        ({"scope": "team:nobody"}, 404, ""),
        ({"scope": "team:ml-platform"}, 403, ""),
        ({"scope": "org"}, 403, ""),
    ],
)
def test_bad_or_forbidden_requests(api_client, sre_week, sre_manager, params, status, message):
    api_client.force_authenticate(sre_manager)

    response = api_client.get(URL, params)

    assert response.status_code == status
    assert message in response.json().get("detail", "")


def test_learners_get_403_and_anonymous_401(api_client, sre_week, learner):
    assert api_client.get(URL, {"scope": "team:sre"}).status_code == 401
    api_client.force_authenticate(learner)
    for url in (URL, "/api/v1/metrics/kpis/", "/api/v1/metrics/okrs/", "/api/v1/metrics/impact/"):
        assert api_client.get(url).status_code == 403, url


def test_authors_and_admins_see_the_organisation(api_client, sre_week, author, platform_admin):
    for user in (author, platform_admin):
        api_client.force_authenticate(user)
        body = api_client.get(URL, {"scope": "org", "from": "2025-03-03", "to": "2025-03-09"})
        assert body.json()["total"]["incident_count"] == 4  # three SRE, one ML Platform


def test_report_costs_the_same_queries_for_few_or_many_incidents(api_client, sre, sre_manager):
    api_client.force_authenticate(sre_manager)
    params = {"scope": "team:sre", "from": "2025-01-01", "to": "2025-06-30"}
    incident(team=sre, start=at("2025-03-03T10:00"), ttr=60)
    services.rollups_recompute_all()
    api_client.get(URL, params)  # the user's personas are cached after the first request
    few, _ = count_queries(lambda: api_client.get(URL, params))
    for day in range(120):
        for sev in ("SEV1", "SEV2", "SEV3"):
            incident(
                team=sre,
                start=at("2025-01-02T10:00") + dt.timedelta(days=day),
                ttr=60,
                severity=sev,
            )
    services.rollups_recompute_all()

    many, response = count_queries(lambda: api_client.get(URL, params))

    assert response.json()["total"]["incident_count"] == 361
    assert many == few


def test_kpi_registry_lists_every_kpi(api_client, sre_manager):
    api_client.force_authenticate(sre_manager)
    body = api_client.get("/api/v1/metrics/kpis/").json()
    keys = [k["key"] for k in body]
    assert keys[:7] == [
        "incident_count",
        "mttd",
        "mtta",
        "mttm",
        "mttr",
        "rollback_rate",
        "cleanup_hours",
    ]
    assert {"completion_by_role", "prepost_gain", "governance_review_coverage"} <= set(keys)
    mttr = next(k for k in body if k["key"] == "mttr")
    assert (mttr["unit"], mttr["direction"]) == ("seconds", "lower")


def test_impact_api_for_a_managers_teams(api_client, sre_manager, sre, ml):
    for day in range(-21, 21):
        when = dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC) + dt.timedelta(days=day)
        incident(team=sre, start=when, ttr=600 if day >= 0 else 1200)
        incident(team=ml, start=when, ttr=1200)
    services.rollups_recompute_all()
    api_client.force_authenticate(sre_manager)

    body = api_client.get(
        "/api/v1/metrics/impact/", {"teams": "sre", "start": "2025-06-02", "window": "21"}
    ).json()

    assert body["teams"] == ["sre"]
    assert (body["before"], body["after"]) == (
        ["2025-05-12", "2025-06-02"],
        ["2025-06-02", "2025-06-23"],
    )
    mttr = next(r for r in body["rows"] if r["kpi_key"] == "mttr")
    assert mttr["did"]["estimate"] == -600
    assert mttr["did"]["n"] == [21, 21, 21, 21]
    assert "cannot prove" in body["plain_words"]["cannot"]
    forbidden = api_client.get(
        "/api/v1/metrics/impact/", {"teams": "ml-platform", "start": "2025-06-02"}
    )
    assert forbidden.status_code == 403


def test_schema_documents_the_metrics_endpoints(client, db):
    spec = yaml.safe_load(client.get("/api/schema/").content)
    validate(spec)
    for path in ("kpis", "incidents", "impact", "impact/cohorts", "okrs", "training"):
        assert f"/api/v1/metrics/{path}/" in spec["paths"]
    params = {p["name"] for p in spec["paths"]["/api/v1/metrics/incidents/"]["get"]["parameters"]}
    assert {"scope", "period", "from", "to", "severity", "ai_related", "failure_mode"} <= params
    report = spec["components"]["schemas"]["IncidentReport"]["properties"]
    assert {"from", "to", "method", "periods", "total"} <= set(report)


def test_a_team_the_manager_does_not_manage_is_forbidden_even_if_it_exists(api_client, db):
    TeamFactory(slug="elsewhere")
    manager = UserFactory(personas=["learner", "manager"])
    api_client.force_authenticate(manager)
    assert api_client.get(URL, {"scope": "team:elsewhere"}).status_code == 403


def test_cohort_impact_api_returns_what_the_impact_view_shows(api_client, sre_manager, sre, ml):
    # given two of the manager's teams in a cohort from 2 June 2025 whose MTTR halves,
    # and two teams never trained
    from metrics.cohort_impact import staggered_impact
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
    api_client.force_authenticate(sre_manager)

    response = api_client.get("/api/v1/metrics/impact/cohorts/", {"window": "14"})

    assert response.status_code == 200
    body = response.json()
    assert body["cohort_starts"] == ["2025-06-02"]
    assert (body["treated_team_count"], body["control_team_count"]) == (2, 2)
    mttr = next(r for r in body["rows"] if r["kpi_key"] == "mttr")
    expected = next(
        r
        for r in staggered_impact(
            estimated_team_ids=[sre.pk, sre2.pk], today=timezone.localdate(), window_days=14
        ).rows
        if r.kpi_key == "mttr"
    )
    assert mttr["result"]["overall"]["estimate"] == pytest.approx(expected.result.overall.estimate)
    assert mttr["result"]["overall"]["low"] == pytest.approx(expected.result.overall.low)
    assert mttr["result"]["overall"]["estimate"] == pytest.approx(-600, abs=5)
    assert mttr["result"]["cohorts"][0]["start"] == "2025-06-02"
    assert [p["week"] for p in mttr["result"]["event_study"]] == [-2, -1, 0, 1]
    assert mttr["placebo"]["overall"]["covers_zero"] is True
    assert mttr["mde_words"] == expected.mde_words
    assert mttr["result"]["mde"] == pytest.approx(expected.result.mde)
    # bad input and other personas
    bad = api_client.get("/api/v1/metrics/impact/cohorts/", {"window": "3"})
    assert bad.status_code == 400
    assert api_client.get("/api/v1/metrics/impact/cohorts/", {"windw": "30"}).status_code == 400
    api_client.force_authenticate(UserFactory(personas=["learner"]))
    assert api_client.get("/api/v1/metrics/impact/cohorts/").status_code == 403
