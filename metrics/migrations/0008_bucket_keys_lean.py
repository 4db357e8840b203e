"""Cheaper bookkeeping per incident noted.

- The map (`RolledIncident`) loses its index on bucket_key. Each new incident paid for
  it with a random insert into a tree as large as the map (2–3 ms per 1,000 new
  incidents at 100,000, about 7 % of the incremental update). On PostgreSQL only
  recomputing a drifted bucket reads the map by bucket, and that rare path scans it
  instead; on SQLite (the demo) the Python path reads it by bucket for every chunk,
  which at demo sizes is a scan of a few thousand rows.
- On PostgreSQL the bucket keys of the rollup, map and dirty tables use COLLATE "C":
  they are machine strings (ids, a date, codes), so bytewise order is the natural one,
  and probes, joins and sorts on them skip the language collation (a large saving
  where the database's default collation is, say, en_US.UTF-8). The model does not
  state the collation, as SQLite has no "C"; a later AlterField of these columns must
  keep it (see `COLLATED`).
"""

from django.db import migrations

COLLATED = ("metrics_incidentrollup", "metrics_rolledincident", "metrics_dirtybucket")


def _collate(schema_editor, collation: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in COLLATED:
        schema_editor.execute(
            f'ALTER TABLE {table} ALTER COLUMN bucket_key TYPE varchar(120) COLLATE "{collation}"'
        )


def forwards(apps, schema_editor):
    _collate(schema_editor, "C")


def backwards(apps, schema_editor):
    _collate(schema_editor, "default")


class Migration(migrations.Migration):
    dependencies = [("metrics", "0007_rollup_dependants_at")]

    operations = [
        migrations.RemoveIndex(model_name="rolledincident", name="metrics_rolled_bucket_idx"),
        migrations.RunPython(forwards, backwards),
    ]
