import datetime as dt
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# Yesterday's incidents, so they head the list (newest first) above the demo's.
DAY = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date().isoformat()
CSV = (
    "external_id,title,severity,team,started_at,detected_at,resolved_at,failure_mode\n"
    f"E2E-1,Checkout latency above SLO,SEV2,sre,{DAY}T10:00:00Z,{DAY}T10:04:00Z,"
    f"{DAY}T11:00:00Z,capacity\n"
    f"E2E-2,Ranking model drifted,SEV3,ml-platform,{DAY}T08:00:00Z,{DAY}T09:30:00Z,"
    f"{DAY}T12:00:00Z,drift\n"
    f"E2E-3,Resolved before it began,SEV3,sre,{DAY}T12:00:00Z,,{DAY}T11:00:00Z,other\n"
)


def test_manager_uploads_a_csv_previews_commits_and_reads_the_result(
    page, live_server, demo_org, login, tmp_path
):
    # given the demo manager on their dashboards, and a CSV with one bad row
    export = tmp_path / "incidents.csv"
    export.write_text(CSV)
    login("manager@demo.example")
    page.get_by_role("link", name="Incidents and postmortems of my teams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Incidents")

    # when they upload it
    page.get_by_role("button", name="Import postmortems").click()
    page.get_by_label("File(s)").set_input_files(str(export))
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Preview").click()

    # then the preview shows the first records and the error, before anything is written
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.locator("#preview-summary")).to_contain_text("3 records found.")
    expect(page.locator("#preview-summary")).to_contain_text("2 to create")
    expect(page.get_by_role("cell", name="Checkout latency above SLO")).to_be_visible()
    expect(page.get_by_role("cell", name="incidents.csv line 4")).to_be_visible()

    # when they commit it
    page.get_by_role("button", name="Commit import").click()

    # then the batch page shows the result and explains the one bad row
    expect(page).to_have_url(re.compile(r"/incidents/imports/\d+/$"))
    expect(page.locator("#batch-progress")).to_contain_text("Done: 3 of 3 records")
    counts = page.locator("table.batch-counts tbody td")
    expect(counts).to_have_text(["2", "0", "0", "1", "3"])
    expect(page.get_by_role("heading", name="Rejected records")).to_be_visible()
    rejected = page.locator("table.rejected tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("incidents.csv line 4")
    expect(rejected).to_contain_text(
        f"resolved_at {DAY}T11:00:00Z is before started_at {DAY}T12:00:00Z"
    )
    expect(rejected).to_contain_text("E2E-3,Resolved before it began")

    # and the new incidents are in the manager's list
    page.get_by_role("link", name="Incidents", exact=True).first.click()
    expect(page.get_by_role("link", name="Checkout latency above SLO")).to_be_visible()


def test_sync_status_of_incident_sources_for_an_admin_and_a_manager(
    page, live_server, demo_org, login
):
    # given two pulled sources, one of the SRE team's (synced) and one of Data
    # Engineering's (its token refused)
    from incidents.models import IncidentSource
    from org.models import Team

    synced = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    IncidentSource.objects.create(
        name="pd-sre",
        kind="pagerduty",
        team=Team.objects.get(slug="sre"),
        last_sync_at=synced,
        last_status="ok",
        last_records=12,
    )
    IncidentSource.objects.create(
        name="og-data",
        kind="opsgenie",
        team=Team.objects.get(slug="data-eng"),
        last_sync_at=synced,
        last_status="error",
        last_error="Opsgenie refused the token (HTTP 401): Could not authenticate",
    )

    # the admin reaches the sources page from the incident list and sees both
    login("admin@demo.example")
    page.goto(f"{live_server.url}/incidents/")
    page.get_by_role("link", name="Incident sources").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Incident sources")
    failing = page.locator("tr[data-source=og-data]")
    expect(failing).to_contain_text("Error")
    expect(failing).to_contain_text("Opsgenie refused the token (HTTP 401): Could not authenticate")
    expect(page.locator("tr[data-source=pd-sre]")).to_contain_text("2026-03-02 09:30")
    expect(page.get_by_role("button", name="Sync now")).to_have_count(2)

    # the SRE manager sees only the SRE team's source, read only
    page.context.clear_cookies()
    login("manager@demo.example")
    page.goto(f"{live_server.url}/incidents/sources/")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tr[data-source=pd-sre]")).to_contain_text("12")
    expect(page.get_by_role("button", name="Sync now")).to_have_count(0)
