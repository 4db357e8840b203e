"""Rollup rows are rewritten in place by incremental processing: on PostgreSQL each
heap page keeps a fifth free, so an update that leaves the indexed columns alone (the
bucket key, team and slice never change for a bucket) stays on its page as a
heap-only tuple and touches no index. Pages written before this migration get the
free space as rows are rewritten (the nightly rebuild, VACUUM FULL)."""

from django.db import migrations

FILLFACTOR = 80


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE metrics_incidentrollup SET (fillfactor = {FILLFACTOR})"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE metrics_incidentrollup RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("metrics", "0005_merge_outcome_figures_text_limits")]

    operations = [migrations.RunPython(forwards, backwards)]
