import datetime as dt

import pytest

from tests.factories import TeamFactory

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """An aware datetime from ISO text (UTC unless it carries an offset)."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@pytest.fixture
def sre(db):
    return TeamFactory(slug="sre", name="Site Reliability Engineering")


@pytest.fixture
def ml(db):
    return TeamFactory(slug="ml-platform", name="ML Platform")
