"""Edge values in query strings are a 400 (API) or a form error (page), never a 500."""

import pytest

from tests.factories import TeamFactory


@pytest.fixture
def admin_api(api_client, platform_admin):
    api_client.force_authenticate(platform_admin)
    return api_client


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/incidents/?started_to=9999-12-31",
        "/api/v1/incidents/?started_from=0001-01-01",
        "/api/v1/metrics/incidents/?period=quarter&from=9999-12-01",
        "/api/v1/metrics/incidents/?to=9999-12-31",
        "/api/v1/metrics/impact/?teams=sre&start=0001-01-01",
        "/api/v1/metrics/impact/?teams=sre&start=9999-12-31",
    ],
)
def test_out_of_range_dates_are_400(admin_api, url):
    TeamFactory(slug="sre")
    response = admin_api.get(url)
    assert response.status_code == 400, response.content
    assert "Use a date from 1900-01-01 to 2999-12-31." in str(response.json())


def test_out_of_range_dates_on_the_incident_page_are_a_form_error(client, platform_admin):
    client.force_login(platform_admin)
    page = client.get("/incidents/?started_to=9999-12-31")
    assert page.status_code == 200
    assert "Use a date from 1900-01-01 to 2999-12-31." in page.content.decode()


@pytest.mark.parametrize("url", ["/api/v1/roles/", "/api/v1/incidents/", "/api/v1/attempts/"])
@pytest.mark.parametrize(
    "query",
    [
        "limit=9223372036854775808",
        "limit=100000",
        "limit=0",
        "limit=-1",
        "limit=ten",
        "offset=9223372036854775808",
        "offset=-5",
    ],
)
def test_out_of_range_limit_and_offset_are_400(admin_api, url, query):
    response = admin_api.get(f"{url}?{query}")
    assert response.status_code == 400, response.content
    name = query.split("=")[0]
    expected = {
        "limit": "limit is a whole number from 1 to 200.",
        "offset": "offset is a whole number from 0 to 2147483647.",
    }
    assert response.json() == {name: [expected[name]]}


def test_the_largest_page_is_served(admin_api):
    response = admin_api.get("/api/v1/roles/?limit=200&offset=0")
    assert response.status_code == 200
    spec = admin_api.get("/api/schema/?format=json").json()
    limit = next(
        p for p in spec["paths"]["/api/v1/roles/"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 200
