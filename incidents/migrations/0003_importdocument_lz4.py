from django.db import migrations

# Import documents can be tens of megabytes. On PostgreSQL 14+ built with lz4,
# compress them with lz4 (several times faster than the default pglz); elsewhere
# nothing changes.
LZ4 = """
DO $$
BEGIN
    ALTER TABLE incidents_importdocument ALTER COLUMN content SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error OR undefined_object THEN
    NULL;
END $$;
"""
PGLZ = """
DO $$
BEGIN
    ALTER TABLE incidents_importdocument ALTER COLUMN content SET COMPRESSION pglz;
EXCEPTION WHEN feature_not_supported OR syntax_error OR undefined_object THEN
    NULL;
END $$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LZ4)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PGLZ)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_incident_training_suggested_at")]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
