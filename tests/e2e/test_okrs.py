"""The demo manager writes an OKR for their team in the browser: an objective and a key
result bound to MTTR, and sees its progress measured from the team's incidents."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from metrics import services
from metrics.models import KeyResult
from org.models import Team
from tests.metrics.factories import incident

pytestmark = pytest.mark.e2e


def test_a_manager_creates_an_okr_bound_to_mttr_and_sees_its_progress(
    demo_org, page, live_server, login
):
    # given the SRE team's incidents of the last weeks, MTTR 600, 1200 and 3000 s
    sre = Team.objects.get(slug="sre")
    Incident.objects.filter(team=sre).delete()
    now = dt.datetime.now(dt.UTC)
    for days, ttr in ((3, 600), (5, 1200), (9, 3000)):
        incident(team=sre, start=now - dt.timedelta(days=days), ttr=ttr)
    services.rollups_recompute_all()
    login("manager@demo.example")

    # when the manager writes an objective for their team
    page.goto(f"{live_server.url}/dashboards/okrs/")
    page.get_by_role("link", name="New objective").click()
    page.locator("#id_title").fill("SRE recovers faster")
    page.locator("#id_team").select_option(label=sre.name)
    today = dt.date.today()
    page.locator("#id_starts_on").fill((today - dt.timedelta(days=7)).isoformat())
    page.locator("#id_deadline").fill((today + dt.timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Save objective").click()
    expect(page.get_by_role("heading", name="SRE recovers faster")).to_be_visible()

    # and a key result bound to MTTR for the team
    page.get_by_role("link", name="Add a key result").click()
    page.locator("#id_description").fill("Median MTTR under 15 minutes")
    page.locator("#id_kpi_key").select_option("mttr")
    page.locator("#id_statistic").select_option("median")
    page.locator("#id_scope").select_option("team:sre")
    page.locator("#id_baseline_value").fill("1800")
    page.locator("#id_target_value").fill("900")
    page.locator("#id_window_days").fill("30")
    page.get_by_role("button", name="Save key result").click()

    # then its progress is shown: median 1200 s, (1200 − 1800) / (900 − 1800) = 67 %
    progress = page.get_by_role("progressbar", name="Median MTTR under 15 minutes: 67 % of the way")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("value", "67")
    result = KeyResult.objects.get(description="Median MTTR under 15 minutes")
    assert (result.current_n, result.objective.team) == (3, sre)
