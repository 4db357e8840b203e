"""The demo manager reads the cohort dashboard: charts with data, a severity filter
applied in place, and the CSV download."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from metrics import services
from org.models import Team
from pathways.models import Cohort
from tests.metrics.factories import incident

pytestmark = pytest.mark.e2e


@pytest.fixture
def cohort_incidents(demo_org):
    """SRE and ML Platform incidents in the 13 weeks before the demo cohort started and
    since: two a week, a SEV1 and a SEV3 (source "test"; the demo's own incidents are
    from another year)."""
    cohort = Cohort.objects.get(name="AI reliability cohort 1")
    teams = {t.slug: t for t in Team.objects.filter(slug__in=["sre", "ml-platform"])}
    first = cohort.start_date - dt.timedelta(weeks=13)
    day = first
    while day < dt.date.today() - dt.timedelta(days=1):
        start = dt.datetime.combine(day, dt.time(10), dt.UTC)
        after = day >= cohort.start_date
        incident(
            team=teams["sre"],
            start=start,
            ttd=300,
            ttr=5400 if after else 7200,
            severity="SEV1",
            ai_related=True,
        )
        incident(
            team=teams["ml-platform"],
            start=start + dt.timedelta(days=2),
            ttd=600,
            ttr=3600,
            severity="SEV3",
        )
        day += dt.timedelta(weeks=1)
    services.rollups_recompute_all()
    return cohort


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


def test_manager_reads_filters_and_downloads_the_cohort_dashboard(
    page, live_server, cohort_incidents, login
):
    login("manager@demo.example")
    page.get_by_role("link", name="AI reliability cohort 1").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AI reliability cohort 1")

    # training charts and incident charts are drawn from data
    expect(page.get_by_text("day 45 of 90 (13 learners, 13 enrolled)")).to_be_visible()
    assert chart_points(page, "chart-phases") == 3
    assert chart_points(page, "chart-status") == 3
    assert chart_points(page, "chart-mttr-trend") > 13
    caption = page.locator("table.kpi-summary caption")
    sev1 = Incident.objects.filter(source="test", severity="SEV1").count()
    sev3 = Incident.objects.filter(source="test", severity="SEV3").count()
    expect(caption).to_contain_text(f"{sev1 + sev3} incidents")
    assert sev1 > 13

    # filtering by severity updates the incident panel in place
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("SEV1 (critical)").check()
    expect(caption).to_contain_text(f"{sev1} incidents")
    assert page.evaluate("window.__sameDocument") is True
    assert "severity=SEV1" in page.url
    expect(page.get_by_text("The dashed line marks the week the cohort started")).to_be_visible()

    # the CSV has the filtered figures, exact seconds
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert rows[-1]["incident_count"] == str(sev1)
    assert rows[-1]["mttd_median_s"] == "300"
