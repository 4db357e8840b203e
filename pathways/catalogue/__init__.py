"""Curriculum as files: the YAML format (schema), reading (importer) and writing (exporter).

The built-in catalogue lives in `data/`; its JSON schema in `schema/catalogue.schema.json`.
"""

from pathlib import Path

SCHEMA_FILE = Path(__file__).resolve().parent / "schema" / "catalogue.schema.json"
