"""Org-wide and per-service incident dashboards: who sees them, the same parameters as
the API (unknown ones refused), periods `year` and `all`, CSV; the incident list CSV."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics import services
from tests.factories import TeamFactory
from tests.metrics.conftest import at
from tests.metrics.factories import ServiceFactory, incident

D = Decimal


@pytest.fixture
def estate(db, manager):
    """Two teams with a service each (the manager manages one), and an incident with
    neither team nor service; across three years."""
    mine = TeamFactory(slug="payments", name="Payments", managers=[manager])
    other = TeamFactory(slug="search", name="Search")
    checkout = ServiceFactory(slug="checkout", name="Checkout", team=mine)
    index = ServiceFactory(slug="index", name="Index", team=other)
    incident(team=mine, service=checkout, start=at("1998-03-01T10:00"), ttr=600)
    incident(team=mine, service=checkout, start=at("1998-07-01T10:00"), ttr=1800)
    incident(team=other, service=index, start=at("2005-01-10T10:00"), ttr=3600)
    incident(team=None, start=at("2020-05-05T10:00"), ttr=7200)
    services.rollups_recompute_all()
    return {"mine": mine, "other": other}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_an_admin_sees_the_whole_organisation_in_one_total(client, platform_admin, estate):
    client.force_login(platform_admin)

    # period=all: one total over decades, the same parameter names as the API
    params = {"period": "all", "from": "1990-01-01", "to": "2024-12-31"}
    page = client.get(reverse("metrics:org_incidents"), params)
    api = client.get("/api/v1/metrics/incidents/", {**params, "scope": "org"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Whole organisation: incident KPIs" in html
    assert "4 incidents" in html
    assert "one period over the whole range" in html
    total = api.json()["total"]
    assert total["incident_count"] == 4
    # MTTR [600, 1800, 3600, 7200]: median 2700, mean 3300
    # MTTR [600, 1800, 3600, 7200]: median 2700, p90 at 2.7 → 3600 + 0.7 × 3600, mean 3300
    mttr = total["mttr"]
    assert (mttr["n"], D(str(mttr["median"])), D(str(mttr["p90"])), D(str(mttr["mean"]))) == (
        4,
        D(2700),
        D(6120),
        D(3300),
    )
    assert [(p["start"], p["end"]) for p in api.json()["periods"]] == [("1990-01-01", "2024-12-31")]

    rows = csv_rows(client.get(reverse("metrics:org_incidents_csv"), params))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert (first["period_start"], first["period_end"], first["incident_count"]) == (
        "1990-01-01",
        "2024-12-31",
        "4",
    )
    assert (first["mttr_median_s"], first["mttr_p90_s"], first["mttr_mean_s"]) == (
        "2700",
        "6120",
        "3300",
    )


def test_years_as_periods(client, platform_admin, estate):
    client.force_login(platform_admin)
    api = client.get(
        "/api/v1/metrics/incidents/",
        {"scope": "service:checkout", "period": "year", "from": "1997-06-01", "to": "1999-01-01"},
    )
    periods = api.json()["periods"]
    assert [(p["start"], p["incident_count"]) for p in periods] == [
        ("1997-01-01", 0),
        ("1998-01-01", 2),
        ("1999-01-01", 0),
    ]


def test_unknown_parameters_are_refused_never_defaulted(client, platform_admin, estate):
    client.force_login(platform_admin)
    old_names = {"date_from": "1998-01-01", "date_to": "1998-12-31"}

    api = client.get("/api/v1/metrics/incidents/", old_names)
    csv_response = client.get(reverse("metrics:org_incidents_csv"), old_names)
    page = client.get(reverse("metrics:service_incidents", args=["checkout"]), old_names)

    assert api.status_code == 400
    assert "Unknown parameters date_from, date_to" in api.content.decode()
    assert csv_response.status_code == 400
    assert csv_response.content.decode().startswith("Unknown parameters date_from, date_to;")
    assert page.status_code == 200
    assert "Unknown parameters date_from, date_to; use period, from, to" in page.content.decode()


def test_a_manager_sees_only_services_their_teams_own(client, manager, estate):
    client.force_login(manager)

    home = client.get(reverse("metrics:home")).content.decode()
    own = client.get(
        reverse("metrics:service_incidents", args=["checkout"]),
        {"period": "year", "from": "1998-01-01", "to": "1998-12-31"},
    )

    assert 'href="/dashboards/services/checkout/incidents/"' in home
    assert "/dashboards/services/index/" not in home
    assert "Whole organisation" not in home
    assert own.status_code == 200 and "2 incidents" in own.content.decode()
    for url in (
        reverse("metrics:service_incidents", args=["index"]),
        reverse("metrics:service_incidents_csv", args=["index"]),
        reverse("metrics:org_incidents"),
        reverse("metrics:org_incidents_csv"),
    ):
        assert client.get(url).status_code == 403


def test_an_author_sees_every_service_and_the_organisation(client, author, estate):
    client.force_login(author)
    for url in (
        reverse("metrics:service_incidents", args=["index"]),
        reverse("metrics:org_incidents"),
    ):
        assert client.get(url).status_code == 200


def test_a_learner_sees_no_dashboard(client, learner, estate):
    client.force_login(learner)
    assert client.get(reverse("metrics:org_incidents")).status_code == 403
    assert client.get(reverse("metrics:service_incidents", args=["checkout"])).status_code == 403


def test_the_incident_list_exports_to_csv_with_its_filters(client, manager, estate):
    client.force_login(manager)

    rows = csv_rows(client.get(reverse("incidents:list_csv"), {"service": "checkout"}))

    assert rows[0][:3] == ["source", "external_id", "title"]
    header = rows[0]
    body = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(r["service"], r["started_at"], r["ttr_seconds"]) for r in body] == [
        ("checkout", "1998-07-01T10:00:00Z", "1800"),
        ("checkout", "1998-03-01T10:00:00Z", "600"),
    ]
    bad = client.get(reverse("incidents:list_csv"), {"started_from": "yesterday"})
    assert bad.status_code == 400
