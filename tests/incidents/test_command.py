"""manage.py import_postmortems."""

import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from incidents.models import ImportBatch, Incident
from tests.incidents.conftest import DATA


def run(*args: str, capture=None) -> str:
    out = io.StringIO()
    if capture is None:
        call_command("import_postmortems", *args, stdout=out)
    else:
        with capture(execute=True):
            call_command("import_postmortems", *args, stdout=out)
    return out.getvalue()


def test_a_folder_of_markdown_postmortems(teams, tmp_path):
    # given a folder with two postmortems (one in a sub-folder) and a stray text file
    shutil.copy(DATA / "postmortem_refund_policy.md", tmp_path / "refund.md")
    (tmp_path / "2025").mkdir()
    (tmp_path / "2025" / "cache.md").write_text(
        "---\nteam: sre\nseverity: high\nstarted_at: 2025-06-01T10:00:00Z\n---\n"
        "# Stale cache served old prices\n\n## Summary\n\nA cache flush was skipped.\n"
    )
    (tmp_path / "notes.txt").write_text("not a postmortem")

    # when the folder is imported in this process
    output = run(str(tmp_path), "--format", "markdown", "--sync")

    # then both files are incidents; the file name is the id when the front matter has none
    batch = ImportBatch.objects.get()
    assert output == (
        f"Import #{batch.pk} (postmortems) done: 2 records: 2 created, 0 updated, "
        "0 unchanged, 0 rejected.\n"
    )
    assert batch.channel == "command"
    assert sorted(Incident.objects.values_list("external_id", "title")) == [
        ("PM-2025-017", "Support assistant promised refunds that do not exist"),
        ("cache", "Stale cache served old prices"),
    ]
    assert list(batch.documents.values_list("name", flat=True)) == ["2025/cache.md", "refund.md"]


def test_dry_run_writes_nothing(teams):
    output = run(
        str(DATA / "legacy_tracker.csv"),
        "--format",
        "mapped",
        "--mapping",
        str(DATA / "legacy_tracker_mapping.yaml"),
        "--source",
        "legacy-tracker",
        "--dry-run",
    )

    assert output == (
        "Dry run (legacy-tracker): 2 records: 2 to create, 0 to update, 0 unchanged, "
        "0 rejected. Nothing was written.\n"
    )
    assert (ImportBatch.objects.count(), Incident.objects.count()) == (0, 0)


def test_sync_import_lists_the_rejected_records(teams):
    output = run(str(DATA / "incidents.csv"), "--format", "csv", "--sync")

    batch = ImportBatch.objects.get()
    assert output == (
        f"Import #{batch.pk} (csv) done: 3 records: 2 created, 0 updated, 0 unchanged, "
        "1 rejected.\n"
        "  rejected incidents.csv line 4: resolved_at: resolved_at 2025-01-10T11:00:00Z is "
        "before started_at 2025-01-10T12:00:00Z; lifecycle timestamps may not go backwards\n"
    )


def test_without_sync_a_task_is_queued(teams, django_capture_on_commit_callbacks):
    output = run(
        str(DATA / "incidents.csv"),
        "--format",
        "csv",
        "--source",
        "ops-sheet",
        capture=django_capture_on_commit_callbacks,
    )

    batch = ImportBatch.objects.get()
    assert output == (
        f"Import #{batch.pk} (ops-sheet) is queued; follow it on its page or at "
        f"/api/v1/import-batches/{batch.pk}/.\n"
    )
    assert (batch.status, batch.created_count) == ("done", 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json", "--format", "json"], "No file or folder at missing.json."),
        (
            [str(DATA / "postmortem_collection"), "--format", "csv"],
            f"No .csv files under {DATA / 'postmortem_collection'}.",
        ),
        (["no/such/*.json", "--format", "json"], "No file matches no/such/*.json."),
        (
            [str(DATA / "legacy_tracker.csv"), "--format", "mapped"],
            "The mapped format needs a mapping file.",
        ),
        (
            [str(DATA / "incidents.csv"), "--format", "csv", "--timezone", "Nowhere/Else"],
            "Time zone: 'Nowhere/Else' is not a known time zone, e.g. UTC, Europe/Berlin.",
        ),
    ],
)
def test_mistakes_are_explained(db, args, message):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert str(caught.value) == message
    assert ImportBatch.objects.count() == 0
