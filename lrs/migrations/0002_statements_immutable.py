"""On PostgreSQL a statement row cannot be updated: voiding is another statement."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION lrs_statement_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'xAPI statements are immutable: ' || OLD.statement_id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER lrs_statement_no_update BEFORE UPDATE ON lrs_statement
    FOR EACH ROW EXECUTE FUNCTION lrs_statement_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS lrs_statement_no_update ON lrs_statement;
DROP FUNCTION IF EXISTS lrs_statement_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("lrs", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
