"""Org-wide and per-service incident dashboards in the browser: an admin opens both;
a manager finds only the services their teams own."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Incident

pytestmark = pytest.mark.e2e


def dated(**filters) -> int:
    return Incident.objects.filter(started_at__isnull=False, **filters).count()


def test_admin_opens_the_organisation_and_a_service_dashboard(page, live_server, demo_org, login):
    login("admin@demo.example")
    page.goto(f"{live_server.url}/dashboards/")

    # the organisation, summarised over its whole history in one period (chosen at once,
    # as a user may, while the page's scripts may still be loading)
    page.get_by_role("link", name="Whole organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Whole organisation: incident KPIs")
    page.get_by_label("Period").select_option("all")
    caption = page.locator("table.kpi-summary caption")
    expect(caption).to_contain_text(f"{dated()} incidents")
    expect(page).to_have_url(re.compile(r"/dashboards/org/incidents/\?period=all(&|$)"))
    csv_link = page.get_by_role("link", name="Download CSV")
    expect(csv_link).to_have_attribute(
        "href", re.compile(r"^/dashboards/org/incidents\.csv\?period=all(&|$)")
    )

    # a service of a team the admin does not manage
    page.goto(f"{live_server.url}/dashboards/")
    page.get_by_role("link", name="Trends and distributions for Feature Store").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feature Store: incident KPIs")
    page.get_by_label("Period").select_option("all")
    expect(caption).to_contain_text(f"{dated(service__slug='feature-store')} incidents")


def test_manager_sees_only_services_their_teams_own(page, live_server, demo_org, login):
    login("manager@demo.example")
    page.goto(f"{live_server.url}/dashboards/")

    services = page.locator("section[aria-labelledby=services-heading] tbody tr td:first-child")
    expect(services).to_have_text(
        ["Checkout API", "Edge Gateway", "Inference Gateway", "Model Serving", "Ranking API"]
    )
    expect(page.get_by_role("link", name="Whole organisation")).to_have_count(0)

    page.get_by_role("link", name="Trends and distributions for Model Serving").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Model Serving: incident KPIs")

    # a service of another team's, asked for by address, is refused
    response = page.goto(f"{live_server.url}/dashboards/services/feature-store/incidents/")
    assert response is not None and response.status == 403
    response = page.goto(f"{live_server.url}/dashboards/org/incidents/")
    assert response is not None and response.status == 403
