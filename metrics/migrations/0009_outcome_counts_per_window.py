"""Stored outcome figures gave counts and totals over spans of different lengths; they
are now per the outcome's window. Drop the stored rows: readers compute the figures on
read and queue the worker to store them again (metrics.outcome_figures)."""

from django.db import migrations


def drop_stored_figures(apps, schema_editor):
    apps.get_model("metrics", "CohortOutcome").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0008_bucket_keys_lean")]

    operations = [migrations.RunPython(drop_stored_figures, migrations.RunPython.noop)]
