"""The demo manager reads the team incident dashboard: charts with data, a severity
filter applied without a page load, and the CSV download."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from metrics import services
from org.models import Team
from tests.metrics.factories import incident

pytestmark = pytest.mark.e2e


@pytest.fixture
def sre_incidents(demo_org):
    """Eleven weeks of SRE incidents ending last week (the default view is the twelve
    weeks up to this one), four a week of three severities, rolled up; in place of the
    demo's own SRE incidents, so that every figure is known."""
    sre = Team.objects.get(slug="sre")
    Incident.objects.filter(team=sre).delete()
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday() + 7)
    for week in range(11):
        for n, severity in enumerate(("SEV1", "SEV2", "SEV2", "SEV3")):
            start = dt.datetime.combine(
                monday - dt.timedelta(weeks=week, days=-n), dt.time(9), dt.UTC
            )
            incident(
                team=sre,
                start=start,
                ttd=120 + n * 60,
                tta=60,
                ttm=1800 + week * 60,
                ttr=3600 + n * 600,
                severity=severity,
                rolled_back=n == 0 and week % 3 == 0,
            )
    services.rollups_recompute_all()


def chart_points(page, chart_id: str) -> int:
    """Points drawn in a chart's first dataset, once the chart exists."""
    page.wait_for_function(
        "id => typeof Chart !== 'undefined' && Chart.getChart("
        'document.querySelector(`canvas[data-chart="${id}"]`)) !== undefined',
        arg=chart_id,
    )
    return page.evaluate(
        """id => {
            const chart = Chart.getChart(document.querySelector(`canvas[data-chart="${id}"]`));
            return chart ? chart.data.datasets[0].data.filter(v => v !== null).length : -1;
        }""",
        chart_id,
    )


def test_manager_filters_the_team_dashboard_and_downloads_csv(
    page, live_server, sre_incidents, login
):
    login("manager@demo.example")
    page.get_by_role(
        "link", name="Trends and distributions for Site Reliability Engineering"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Site Reliability Engineering: incident KPIs"
    )

    # charts are drawn from data
    expect(page.locator('canvas[data-chart="chart-mttr-trend"]')).to_be_visible()
    assert chart_points(page, "chart-count") == 12  # this week's bar is zero
    assert chart_points(page, "chart-mttr-trend") == 11
    caption = page.locator("table.kpi-summary caption")
    expect(caption).to_contain_text("44 incidents")

    # filtering by severity swaps the panel in place (no navigation)
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("SEV1 (critical)").check()
    expect(caption).to_contain_text("11 incidents")
    assert page.evaluate("window.__sameDocument") is True
    assert "severity=SEV1" in page.url
    assert chart_points(page, "chart-mttr-trend") == 11

    # the CSV has the filtered figures
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert [r["incident_count"] for r in rows[:-1]] == ["1"] * 11 + ["0"]
    assert rows[-1]["incident_count"] == "11"
    assert rows[-1]["mttd_median_s"] == "120"
