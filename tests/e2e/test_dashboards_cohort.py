"""The demo manager reads the cohort dashboard on the demo's own data: charts with data,
the before/after comparison, a severity filter applied in place, and the CSV download."""

import csv
import datetime as dt
import io
import re
import statistics
from pathlib import Path

import pytest
from playwright.sync_api import expect

from incidents.models import Incident

pytestmark = pytest.mark.e2e
TEAMS = ["sre", "ml-platform"]  # the demo cohort's teams


def shown_incidents(first: dt.date, last: dt.date, **filters) -> list[Incident]:
    """The incidents of the cohort's teams that start in the days shown (UTC)."""
    return list(
        Incident.objects.filter(
            team__slug__in=TEAMS,
            started_at__gte=dt.datetime.combine(first, dt.time(0), dt.UTC),
            started_at__lt=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), dt.UTC),
            **filters,
        )
    )


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
    page, live_server, demo_org, login
):
    login("manager@demo.example")
    page.get_by_role("link", name="AI reliability cohort 1").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AI reliability cohort 1")

    # training charts and incident charts are drawn from the demo's data
    expect(page.get_by_text("day 45 of 90 (13 learners, 13 enrolled)")).to_be_visible()
    assert chart_points(page, "chart-phases") == 3
    assert chart_points(page, "chart-status") == 3
    assert chart_points(page, "chart-mttr-trend") > 13
    range_text = page.get_by_text(re.compile(r"Weeks from \d{4}-\d\d-\d\d to")).inner_text()
    first, last = (dt.date.fromisoformat(d) for d in re.findall(r"\d{4}-\d\d-\d\d", range_text)[:2])
    caption = page.locator("table.kpi-summary caption")
    everything = shown_incidents(first, last)
    sev1 = shown_incidents(first, last, severity="SEV1")
    assert len(everything) > 30 and len(sev1) > 0
    expect(caption).to_contain_text(f"{len(everything)} incidents")

    # the before/after comparison has figures from the demo's incidents: an estimate
    # and its interval for each lifecycle KPI, on samples of both sides
    tabs = page.get_by_role("navigation", name="Dashboard sections")
    tabs.get_by_role("link", name="Impact").click()
    expect(page.locator("#incidents")).to_be_hidden()
    impact = page.locator("#impact-heading").locator("xpath=..")
    for kpi in ("Time to detect (MTTD)", "Time to mitigate (MTTM)"):
        row = impact.get_by_role("row").filter(has_text=kpi)
        # the difference and its interval, signed, in seconds, minutes or hours
        change = r"[−+]?\d+(\.\d)? (s|min|h)"
        expect(row).to_contain_text(re.compile(rf"{change}\s+{change} to {change}"))
        expect(row).not_to_contain_text("not enough data")

    # filtering by severity updates the incident panel in place
    tabs.get_by_role("link", name="Incidents").click()
    expect(page.locator("#impact")).to_be_hidden()
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("SEV1 (critical)").check()
    expect(caption).to_contain_text(f"{len(sev1)} incidents")
    assert page.evaluate("window.__sameDocument") is True
    assert "severity=SEV1" in page.url
    expect(page.get_by_text("The dashed line marks the week the cohort started")).to_be_visible()

    # the CSV has the filtered figures, to the second (median interpolated, as documented)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    total = rows[-1]
    ttd = [(i.detected_at - i.started_at).total_seconds() for i in sev1 if i.detected_at]
    assert total["incident_count"] == str(len(sev1))
    assert float(total["mttd_median_s"]) == pytest.approx(statistics.median(ttd), abs=1e-6)
