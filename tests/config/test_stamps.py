"""Version stamps (`config.stamps`): read once per request, forgotten when bumped."""

import pytest
from django.core.cache import cache

from config import stamps


class CountingCache:
    """Counts the round trips `stamps` makes to the cache."""

    def __init__(self) -> None:
        self.trips = 0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        method = getattr(cache, name)

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.trips += 1
            return method(*args, **kwargs)

        return counted


@pytest.fixture
def counting(monkeypatch):
    counter = CountingCache()
    monkeypatch.setattr(stamps, "cache", counter)
    return counter


def test_outside_a_request_every_read_asks_the_cache(counting):
    first = stamps.current("a")
    trips = counting.trips

    assert stamps.current("a") == first
    assert counting.trips == trips + 1


def test_in_a_request_a_stamp_is_read_once(counting):
    with stamps.request_scope():
        first = stamps.current("a", "b")
        trips = counting.trips
        assert stamps.current("a", "b") == first
        assert stamps.current("b") == first.split(".")[1]
        assert counting.trips == trips


def test_prefetch_reads_stamps_and_keys_in_one_trip(counting):
    stamps.current("a")  # exists
    cache.set("other", 42)
    with stamps.request_scope():
        trips = counting.trips
        found = stamps.prefetch(["a"], keys=["other", "missing"])
        assert found == {"other": 42}
        assert counting.trips == trips + 1
        stamps.current("a")
        assert counting.trips == trips + 1


def test_a_bump_in_the_request_is_seen_by_the_same_request(counting):
    with stamps.request_scope():
        before = stamps.current("a")
        stamps.bump("a")
        after = stamps.current("a")
    assert after != before
    assert stamps.current("a") == after


def test_a_prefetched_stamp_that_is_missing_is_made_not_defaulted():
    with stamps.request_scope():
        assert stamps.prefetch(["fresh"]) == {}
        token = stamps.current("fresh")
    assert token and stamps.current("fresh") == token


def test_the_scope_ends_with_the_request(counting):
    with stamps.request_scope():
        stamps.current("a")
    stamps.bump("a")  # elsewhere, outside any request
    with stamps.request_scope():
        trips = counting.trips
        stamps.current("a")
        assert counting.trips == trips + 1
