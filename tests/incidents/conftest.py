from pathlib import Path

import pytest

from incidents.importers import Document
from incidents.models import ImportBatch
from incidents.services import import_batch_create
from tests.factories import TeamFactory

DATA = Path(__file__).parent / "data"


@pytest.fixture
def teams(db):
    return {
        slug: TeamFactory(slug=slug, name=name)
        for slug, name in [
            ("sre", "Site Reliability Engineering"),
            ("data-eng", "Data Engineering"),
            ("ml-platform", "ML Platform"),
            ("ai-product", "AI Product"),
        ]
    }


def data_file(name: str) -> Document:
    return Document(name=name, content=(DATA / name).read_text())


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Create a batch through the service; its task runs eagerly on commit."""

    def run(format: str, *documents: Document, **options) -> ImportBatch:
        with django_capture_on_commit_callbacks(execute=True):
            batch = import_batch_create(
                format=format, documents=list(documents), created_by=None, **options
            )
        batch.refresh_from_db()
        return batch

    return run
