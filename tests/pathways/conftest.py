import pytest

from pathways.catalogue.importer import CATALOGUE_DIR, read_sources
from pathways.services import catalogue_load


@pytest.fixture
def catalogue(db):
    """The built-in catalogue, loaded."""
    return catalogue_load(sources=read_sources(CATALOGUE_DIR))
